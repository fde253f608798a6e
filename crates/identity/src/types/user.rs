use p2p_kernel::{Locale, Role};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// A user as they themselves and their organization's admins see them.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct UserProfile {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub job_title: Option<String>,
    pub bio: Option<String>,
    pub phone: Option<String>,
    pub avatar_url: Option<String>,
    pub avatar_file_id: Option<Uuid>,
    pub role: Role,
    pub is_superuser: bool,
    pub is_active: bool,
    pub email_verified: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub email_verified_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_login_at: Option<OffsetDateTime>,
    /// The language of the platform's emails to this user: set from the
    /// `Accept-Language` of the signup (or of the invitation's acceptance,
    /// else the invitation's), changed by `PATCH /users/me`.
    pub locale: Locale,
}

/// A user as any signed-in user of the platform sees them. `email` is only
/// filled for callers of the same organization and platform operators.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct PublicProfile {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub first_name: String,
    pub last_name: String,
    pub job_title: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub role: Role,
    /// False for deactivated accounts (their content stays).
    pub is_active: bool,
    /// The person erased their account: no name, no profile, only their
    /// content stays (show it as by a deleted user).
    pub erased: bool,
    pub email: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Changes to the caller's own profile. Absent fields stay as they are; an
/// empty string clears `job_title`, `bio` and `phone`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct ProfilePatch {
    /// 1–100 characters.
    pub first_name: Option<String>,
    /// 1–100 characters.
    pub last_name: Option<String>,
    /// At most 100 characters.
    pub job_title: Option<String>,
    /// At most 2000 characters.
    pub bio: Option<String>,
    /// At most 32 characters: digits, spaces and `+ - ( ) .`.
    pub phone: Option<String>,
    /// The language of the platform's emails: `ar` or `en` (anything else:
    /// 422 with a field error on `locale`).
    #[schema(value_type = Option<Locale>)]
    pub locale: Option<String>,
}

/// The proof asked before erasing one's own account.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct EraseRequest {
    /// The account's current password.
    pub password: String,
}

/// An admin's changes to a member of their organization.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct AdminUserPatch {
    pub role: Option<Role>,
    /// `false` deactivates (ends every session), `true` reactivates.
    pub is_active: Option<bool>,
}

/// Invites someone by email into the caller's organization.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct InviteRequest {
    pub email: String,
    pub role: Role,
    /// The language of the invitation email, and of the account it creates
    /// unless the invitee's browser asks for another. Absent: the language
    /// of the request (`Accept-Language`, Arabic or English), else the
    /// inviting admin's own.
    pub locale: Option<Locale>,
}

/// A sent invitation.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct InvitationView {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub email: String,
    pub role: Role,
    pub invited_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The language of the invitation email (and its resends).
    pub locale: Locale,
}
