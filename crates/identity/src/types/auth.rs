use super::UserProfile;
use p2p_kernel::Locale;
use p2p_orgs::OrganizationView;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// Where a request comes from, as the HTTP layer saw it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The language its `Accept-Language` asks for, when it names Arabic or
    /// English: a new account's language.
    pub locale: Option<Locale>,
}

/// Creates an organization (domain = the email's domain) and its first user, an admin.
#[derive(Clone, Deserialize, Serialize, ToSchema)]
pub struct SignupRequest {
    pub email: String,
    /// 10–128 characters with a letter and a digit or symbol.
    pub password: String,
    pub first_name: String,
    pub last_name: String,
    pub organization_name: String,
}

#[derive(Clone, Deserialize, Serialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Clone, Deserialize, Serialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// A newly issued access token and refresh token.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct TokenPair {
    /// Short-lived signed token for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque, single-use: each refresh returns a new one.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Seconds until the refresh token expires (for cookie lifetimes).
    pub refresh_expires_in: u64,
    /// The session these tokens belong to.
    pub session_id: Uuid,
}

/// Answer of signup, login and accept-invite.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct AuthResponse {
    pub user: UserProfile,
    pub organization: OrganizationView,
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: u64,
    pub session_id: Uuid,
}

impl AuthResponse {
    pub(crate) fn new(
        user: UserProfile,
        organization: OrganizationView,
        tokens: TokenPair,
    ) -> Self {
        Self {
            user,
            organization,
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            token_type: tokens.token_type,
            expires_in: tokens.expires_in,
            refresh_expires_in: tokens.refresh_expires_in,
            session_id: tokens.session_id,
        }
    }

    pub fn tokens(&self) -> TokenPair {
        TokenPair {
            access_token: self.access_token.clone(),
            refresh_token: self.refresh_token.clone(),
            token_type: self.token_type.clone(),
            expires_in: self.expires_in,
            refresh_expires_in: self.refresh_expires_in,
            session_id: self.session_id,
        }
    }
}

#[derive(Clone, Deserialize, Serialize, ToSchema)]
pub struct VerifyEmailRequest {
    pub token: String,
}

#[derive(Clone, Deserialize, Serialize, ToSchema)]
pub struct PasswordResetRequest {
    pub email: String,
}

#[derive(Clone, Deserialize, Serialize, ToSchema)]
pub struct PasswordResetConfirm {
    pub token: String,
    /// Same policy as at signup.
    pub new_password: String,
}

/// Joins the inviting organization with the invited role.
#[derive(Clone, Deserialize, Serialize, ToSchema)]
pub struct AcceptInviteRequest {
    pub token: String,
    pub password: String,
    pub first_name: String,
    pub last_name: String,
}

/// One of the caller's active sessions (a signed-in device).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct SessionView {
    pub id: Uuid,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Last sign-in or token refresh (at most one access-token lifetime old
    /// for an active client).
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
    /// The session of the calling token.
    pub current: bool,
}
