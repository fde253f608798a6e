//! How FDI sessions travel, exactly as the SuperTokens SDKs expect.
//!
//! Header mode (`st-auth-mode: header`): tokens in the `st-access-token` and
//! `st-refresh-token` response headers, sent back as `Authorization: Bearer`.
//! Cookie mode (the default): `sAccessToken` (path `/`) and `sRefreshToken`
//! (path `/auth/session/refresh`), both HttpOnly and SameSite=Lax. Either way
//! the `front-token` header (base64 JSON of the user id, the access token's
//! expiry in ms and its payload) accompanies every new access token, and
//! `front-token: remove` ends the client's session.
//!
//! Anti-CSRF is the SDK's "custom header" mode: a cookie-authenticated request
//! that changes state must carry the `rid` header, which a cross-site page
//! cannot add without passing the CORS preflight.

use crate::http::ApiError;
use crate::http::auth::bearer_token;
use actix_web::cookie::time::Duration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponseBuilder};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use p2p_identity::fdi::FdiTokens;
use p2p_kernel::Code;
use p2p_kernel::ErrorKind;
use serde_json::json;

pub const ACCESS_COOKIE: &str = "sAccessToken";
pub const REFRESH_COOKIE: &str = "sRefreshToken";
pub const REFRESH_PATH: &str = "/auth/session/refresh";
pub const ACCESS_HEADER: &str = "st-access-token";
pub const REFRESH_HEADER: &str = "st-refresh-token";
pub const FRONT_TOKEN: &str = "front-token";
pub const AUTH_MODE: &str = "st-auth-mode";
pub const RID: &str = "rid";

/// How tokens are sent to the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Header,
    Cookie,
}

/// A presented token and where it came from.
pub struct Presented {
    pub token: String,
    pub mode: Mode,
}

/// The mode a client asked for with `st-auth-mode`; cookies when it did not say.
pub fn requested_mode(req: &HttpRequest) -> Mode {
    match req.headers().get(AUTH_MODE).and_then(|v| v.to_str().ok()) {
        Some(v) if v.eq_ignore_ascii_case("header") => Mode::Header,
        _ => Mode::Cookie,
    }
}

fn cookie(req: &HttpRequest, name: &str) -> Option<String> {
    req.cookie(name)
        .map(|c| c.value().to_owned())
        .filter(|t| !t.is_empty())
}

/// The access token of a request: `Authorization: Bearer`, else `sAccessToken`.
pub fn access_token(req: &HttpRequest) -> Option<Presented> {
    presented(req, ACCESS_COOKIE)
}

/// The refresh token of a refresh request: `Authorization: Bearer` (header
/// mode), else `sRefreshToken`.
pub fn refresh_token(req: &HttpRequest) -> Option<Presented> {
    presented(req, REFRESH_COOKIE)
}

fn presented(req: &HttpRequest, cookie_name: &str) -> Option<Presented> {
    if let Some(token) = bearer_token(req) {
        return Some(Presented {
            token,
            mode: Mode::Header,
        });
    }
    cookie(req, cookie_name).map(|token| Presented {
        token,
        mode: Mode::Cookie,
    })
}

/// Whether a request passes anti-CSRF: anything but a state-changing
/// request authenticated by cookie without the `rid` header.
pub fn csrf_ok(req: &HttpRequest, mode: Mode) -> bool {
    mode == Mode::Header
        || matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || req.headers().contains_key(RID)
}

/// 401 telling the SDK to refresh and retry.
pub fn try_refresh() -> ApiError {
    ApiError::new(
        ErrorKind::Unauthenticated,
        Code::Unauthenticated,
        "the access token has expired: refresh the session",
    )
    .with_message("try refresh token")
}

/// 401 without a usable session.
pub fn unauthorised(detail: &str) -> ApiError {
    ApiError::new(
        ErrorKind::Unauthenticated,
        Code::Unauthenticated,
        detail.to_owned(),
    )
    .with_message("unauthorised")
}

/// 401 for a cookie-authenticated change without the `rid` header.
pub fn csrf_failed() -> ApiError {
    ApiError::new(
        ErrorKind::Unauthenticated,
        Code::CsrfFailed,
        "a cookie-authenticated request that changes state must send the rid header",
    )
    .with_message("unauthorised")
}

/// Settings of the session cookies.
#[derive(Clone, Copy)]
pub struct CookieSettings {
    pub secure: bool,
}

fn secs(n: u64) -> Duration {
    Duration::seconds(i64::try_from(n).unwrap_or(i64::MAX))
}

/// `front-token`: base64 of `{"uid", "ate", "up"}`.
pub fn front_token(tokens: &FdiTokens) -> String {
    let doc = json!({
        "uid": tokens.user_id,
        "ate": tokens.access_expires_at_ms,
        "up": tokens.payload,
    });
    STANDARD.encode(doc.to_string())
}

/// Puts new tokens on a response, in `mode`.
pub fn attach(
    response: &mut HttpResponseBuilder,
    tokens: &FdiTokens,
    mode: Mode,
    c: CookieSettings,
) {
    response.insert_header((FRONT_TOKEN, front_token(tokens)));
    match mode {
        Mode::Header => {
            response.insert_header((ACCESS_HEADER, tokens.access_token.clone()));
            if let Some(refresh) = &tokens.refresh_token {
                response.insert_header((REFRESH_HEADER, refresh.clone()));
            }
        }
        Mode::Cookie => {
            // The access cookie outlives the token, so an expired token still
            // reaches the server, which answers "try refresh token".
            response.cookie(
                Cookie::build(ACCESS_COOKIE, tokens.access_token.clone())
                    .path("/")
                    .http_only(true)
                    .secure(c.secure)
                    .same_site(SameSite::Lax)
                    .max_age(secs(tokens.refresh_ttl_secs))
                    .finish(),
            );
            if let Some(refresh) = &tokens.refresh_token {
                response.cookie(
                    Cookie::build(REFRESH_COOKIE, refresh.clone())
                        .path(REFRESH_PATH)
                        .http_only(true)
                        .secure(c.secure)
                        .same_site(SameSite::Lax)
                        .max_age(secs(tokens.refresh_ttl_secs))
                        .finish(),
                );
            }
        }
    }
}

/// Ends the client's session: `front-token: remove`, empty token headers and
/// expired cookies.
pub fn clear(response: &mut HttpResponseBuilder, c: CookieSettings) {
    response.insert_header((FRONT_TOKEN, "remove"));
    response.insert_header((ACCESS_HEADER, ""));
    response.insert_header((REFRESH_HEADER, ""));
    for (name, path) in [(ACCESS_COOKIE, "/"), (REFRESH_COOKIE, REFRESH_PATH)] {
        let mut cookie = Cookie::build(name, "")
            .path(path)
            .http_only(true)
            .secure(c.secure)
            .same_site(SameSite::Lax)
            .finish();
        cookie.make_removal();
        response.cookie(cookie);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn front_token_is_base64_json_with_uid_expiry_and_payload() {
        let tokens = FdiTokens {
            user_id: Uuid::nil(),
            session_id: Uuid::nil(),
            access_token: "a".into(),
            payload: json!({"st-ev": {"v": false, "t": 1}}),
            access_expires_at_ms: 42_000,
            refresh_token: None,
            refresh_ttl_secs: 60,
        };
        let decoded = STANDARD.decode(front_token(&tokens)).unwrap_or_default();
        let doc: serde_json::Value = serde_json::from_slice(&decoded).unwrap_or_default();
        assert_eq!(doc["uid"], json!(Uuid::nil()));
        assert_eq!(doc["ate"], json!(42_000));
        assert_eq!(doc["up"]["st-ev"]["v"], json!(false));
    }
}
