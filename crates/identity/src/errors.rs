//! The error codes of the identity domain (beyond the kernel's defaults).
//!
//! | status | code | when |
//! |---|---|---|
//! | 400 | `invalid_token` | a one-time token (verification, reset, invitation) that does not exist |
//! | 401 | `invalid_credentials` | wrong email or password, or a deactivated account (same answer, same time) |
//! | 401 | `unauthenticated` | missing, malformed, expired or revoked access token |
//! | 401 | `invalid_refresh_token` | unknown or expired refresh token, or its session ended |
//! | 401 | `refresh_token_reused` | an already rotated refresh token: its session is now revoked |
//! | 403 | `forbidden` | a member calling an admin action |
//! | 404 | `not_found` | a user or session the caller may not see (other organizations' people are "not found") |
//! | 409 | `email_taken` | an account with this email exists |
//! | 409 | `organization_exists` | the email's domain already has an organization (join by invitation) |
//! | 409 | `invitation_pending` | the email already has an unexpired invitation to this organization |
//! | 409 | `last_admin` | the change would leave the organization without an active admin |
//! | 409 | `already_verified` | resending verification to a verified account |
//! | 410 | `token_expired` | a one-time token past its lifetime |
//! | 410 | `token_used` | a one-time token already used (or superseded) |
//! | 410 | `invitation_revoked` | an invitation withdrawn (its inviter is no longer an active admin) |
//! | 422 | `validation_failed` | field errors: `invalid_email`, `required`, `too_long`, `password_too_short`, `password_too_long`, `password_too_weak` |
//! | 429 | `rate_limited` | with a retry delay |

use p2p_kernel::{Code, DomainError, ErrorKind};

pub(crate) fn email_taken() -> DomainError {
    DomainError::conflict(
        Code::EmailTaken,
        "an account with this email already exists",
    )
}

pub(crate) fn organization_exists() -> DomainError {
    DomainError::conflict(
        Code::OrganizationExists,
        "an organization with this email domain is already registered; ask its admin for an invitation",
    )
}

pub(crate) fn invalid_credentials() -> DomainError {
    DomainError::new(
        ErrorKind::Unauthenticated,
        Code::InvalidCredentials,
        "wrong email or password",
    )
}

pub(crate) fn invalid_refresh_token() -> DomainError {
    DomainError::new(
        ErrorKind::Unauthenticated,
        Code::InvalidRefreshToken,
        "the refresh token is invalid or expired",
    )
}

pub(crate) fn refresh_token_reused() -> DomainError {
    DomainError::new(
        ErrorKind::Unauthenticated,
        Code::RefreshTokenReused,
        "this refresh token was already used; the session has been ended",
    )
}

pub(crate) fn unauthenticated() -> DomainError {
    DomainError::unauthenticated("the access token is missing, invalid, expired or revoked")
}

pub(crate) fn invalid_token() -> DomainError {
    DomainError::bad_request(Code::InvalidToken, "the link is not valid")
}

pub(crate) fn token_expired() -> DomainError {
    DomainError::gone(Code::TokenExpired, "the link has expired")
}

pub(crate) fn token_used() -> DomainError {
    DomainError::gone(Code::TokenUsed, "the link was already used")
}

pub(crate) fn invitation_revoked() -> DomainError {
    DomainError::gone(Code::InvitationRevoked, "this invitation was withdrawn")
}

pub(crate) fn last_admin() -> DomainError {
    DomainError::conflict(
        Code::LastAdmin,
        "the organization must keep at least one active admin",
    )
}
