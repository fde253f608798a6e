//! Sign-up, sign-in, tokens and sessions, verification, reset, invitations' acceptance.

mod accept;
mod authenticate;
mod login;
mod refresh;
mod reset;
mod sessions;
mod signup;
mod superuser;
mod throttle;
mod verify;

pub(crate) use refresh::revoke_all_sessions;

use crate::Identity;
use p2p_kernel::ids::OrgId;
use p2p_kernel::persistence::db_error;
use p2p_kernel::validate::Validator;
use p2p_kernel::{DomainError, FieldCode};
use p2p_orgs::OrganizationView;
use sea_orm::ConnectionTrait;

/// Checks a new account's first and last name (sign-up, invitations, superusers).
fn check_names(v: &mut Validator, first_name: &str, last_name: &str) {
    for (field, value) in [("first_name", first_name), ("last_name", last_name)] {
        v.text(field, value, crate::rules::NAME);
    }
}

/// The domain of a valid email address (a new organization is claimed by it).
fn domain_of(email: &str) -> Result<String, DomainError> {
    p2p_orgs::email_domain(email).ok_or_else(|| {
        DomainError::invalid_field(
            "email",
            FieldCode::InvalidEmail,
            "must be a valid email address",
        )
    })
}

impl Identity {
    /// The organization view of `org` (for auth responses).
    pub(crate) async fn org_view(
        &self,
        conn: &impl ConnectionTrait,
        org: OrgId,
    ) -> Result<OrganizationView, DomainError> {
        let record = self
            .inner
            .orgs
            .find(org)
            .await?
            .ok_or_else(|| DomainError::not_found("organization"))?;
        let members = crate::repo::count_active(conn, org.0)
            .await
            .map_err(db_error)?;
        Ok(OrganizationView::from_record(record, members))
    }
}
