//! The claims of an FDI access token: the identity claims every access token
//! carries (so `/api/v1` accepts it like its own), plus what the SuperTokens
//! SDKs read from the payload.

use crate::jwt::Claims;
use serde::{Deserialize, Serialize};

/// The tenant every user belongs to (the SDKs' default).
pub const TENANT: &str = "public";

/// A claim value with the time it was read (`{"v": …, "t": ms}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimValue {
    pub v: bool,
    pub t: i64,
}

/// The payload of an RS256 access token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FdiClaims {
    #[serde(flatten)]
    pub base: Claims,
    /// The session id, under the SDK's name.
    #[serde(rename = "sessionHandle")]
    pub session_handle: String,
    #[serde(rename = "tId")]
    pub tenant: String,
    /// The recipe user id (always the user id here).
    pub rsub: String,
    pub iss: String,
    /// The email-verification claim.
    #[serde(rename = "st-ev")]
    pub email_verified: ClaimValue,
}
