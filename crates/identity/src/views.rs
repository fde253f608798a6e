//! Turning rows into the response types.

use crate::entity::user;
use crate::types::{PublicProfile, UserProfile};
use p2p_kernel::Role;
use p2p_kernel::persistence::api_time;

pub(crate) fn role_of(u: &user::Model) -> Role {
    // An unknown value can only come from a bad manual edit: least privilege.
    Role::parse(&u.role).unwrap_or(Role::Member)
}

/// Whether the person erased their account (their address is a placeholder).
pub(crate) fn is_erased(u: &user::Model) -> bool {
    is_erased_email(&u.email)
}

/// Whether `email` is the placeholder address of an erased account.
pub(crate) fn is_erased_email(email: &str) -> bool {
    email
        .strip_suffix(crate::users::ERASED_DOMAIN)
        .is_some_and(|local| local.ends_with('@'))
}

pub(crate) fn profile(u: &user::Model) -> UserProfile {
    UserProfile {
        id: u.id,
        organization_id: u.organization_id,
        email: u.email.clone(),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        job_title: u.job_title.clone(),
        bio: u.bio.clone(),
        phone: u.phone.clone(),
        avatar_url: u.avatar_url.clone(),
        avatar_file_id: u.avatar_file_id,
        role: role_of(u),
        is_superuser: u.is_superuser,
        is_active: u.is_active,
        email_verified: u.email_verified_at.is_some(),
        email_verified_at: u.email_verified_at.map(api_time),
        created_at: api_time(u.created_at),
        updated_at: api_time(u.updated_at),
        last_login_at: u.last_login_at.map(api_time),
        locale: crate::emails::locale_of(&u.locale),
    }
}

pub(crate) fn public_profile(
    u: &user::Model,
    organization_name: String,
    show_email: bool,
) -> PublicProfile {
    let erased = is_erased(u);
    PublicProfile {
        id: u.id,
        organization_id: u.organization_id,
        organization_name,
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        job_title: u.job_title.clone(),
        bio: u.bio.clone(),
        avatar_url: u.avatar_url.clone(),
        role: role_of(u),
        is_active: u.is_active,
        erased,
        email: (show_email && !erased).then(|| u.email.clone()),
        created_at: api_time(u.created_at),
    }
}

pub(crate) fn member_view(u: &user::Model) -> p2p_orgs::MemberView {
    p2p_orgs::MemberView {
        id: u.id,
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        job_title: u.job_title.clone(),
        avatar_url: u.avatar_url.clone(),
        role: role_of(u),
        joined_at: api_time(u.created_at),
    }
}

#[cfg(test)]
mod tests {
    use super::is_erased_email;

    #[test]
    fn only_the_erased_placeholder_address_counts_as_erased() {
        assert!(is_erased_email("erased-0b4e@erased.invalid"));
        assert!(!is_erased_email("nora@example.com"));
        assert!(!is_erased_email("nora@noterased.invalid"));
        assert!(!is_erased_email("erased.invalid"));
    }
}
