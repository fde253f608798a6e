//! Who is calling: a Bearer token (API clients) or the session cookies
//! (browsers). A state-changing request authenticated by cookie must echo the
//! `p2p_csrf` cookie in the `x-csrf-token` header (double submit), or it is
//! refused: a cross-site page can make the browser send the cookies, but it
//! cannot read them.
//!
//! Clients of the SuperTokens SDKs (`routes::fdi`) are served too: their
//! Bearer tokens are RS256, their cookie is `sAccessToken` (anti-CSRF: the
//! `rid` header on state-changing requests), and every 401 carries the
//! `message` they read (`try refresh token` for an expired token). With
//! `P2P_REQUIRE_EMAIL_VERIFICATION`, unverified users get 403 `invalid claim`
//! (`st-ev`) everywhere but `/api/v1/auth/*` and `GET /api/v1/users/me`.

use super::ApiError;
use super::cookies::{ACCESS_COOKIE, CSRF_COOKIE, CSRF_HEADER};
use crate::routes::fdi::transport as fdi;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use p2p_kernel::Code;
use p2p_kernel::{Actor, ErrorKind};

/// The authenticated caller.
pub struct Authenticated(pub Actor);

enum Credential {
    Bearer(String),
    Cookie(String),
    /// The FDI's `sAccessToken` cookie.
    FdiCookie(String),
}

/// The token of an `Authorization: Bearer …` header, if there is a non-empty one.
pub fn bearer_token(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

fn credential(req: &HttpRequest) -> Option<Credential> {
    if let Some(token) = bearer_token(req) {
        return Some(Credential::Bearer(token));
    }
    req.cookie(ACCESS_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|t| !t.is_empty())
        .map(Credential::Cookie)
        .or_else(|| {
            req.cookie(fdi::ACCESS_COOKIE)
                .map(|c| c.value().to_owned())
                .filter(|t| !t.is_empty())
                .map(Credential::FdiCookie)
        })
}

/// Whether this request must come from a user with a verified email.
fn needs_verified_email(req: &HttpRequest) -> bool {
    let path = req.path();
    !(path.starts_with("/api/v1/auth/")
        || (path == "/api/v1/users/me" && *req.method() == Method::GET))
}

/// 403 `invalid claim`: the `st-ev` claim (email verified) is false.
fn email_not_verified() -> ApiError {
    ApiError::new(
        ErrorKind::Forbidden,
        Code::EmailNotVerified,
        "confirm your email address first (see the verification email)",
    )
    .with_message("invalid claim")
    .with_claim_errors(serde_json::json!([{
        "id": "st-ev",
        "reason": {"message": "wrong value", "expectedValue": true, "actualValue": false},
    }]))
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// True when the request carries the CSRF cookie and the same value in the header.
pub fn csrf_ok(req: &HttpRequest) -> bool {
    let cookie = req.cookie(CSRF_COOKIE).map(|c| c.value().to_owned());
    let header = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match (cookie, header) {
        (Some(c), Some(h)) if !c.is_empty() => constant_time_eq(c.as_bytes(), h.as_bytes()),
        _ => false,
    }
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn csrf_error() -> ApiError {
    ApiError::new(
        ErrorKind::Forbidden,
        Code::CsrfFailed,
        "a cookie-authenticated request that changes state must send the x-csrf-token header",
    )
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let credential = credential(req);
        let needs_csrf = !is_safe(req.method());
        let csrf_ok = csrf_ok(req);
        let rid_ok = fdi::csrf_ok(req, fdi::Mode::Cookie);
        let verification = needs_verified_email(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let token = match credential {
                Some(Credential::Bearer(token)) => token,
                Some(Credential::Cookie(token)) => {
                    if needs_csrf && !csrf_ok {
                        return Err(csrf_error());
                    }
                    token
                }
                Some(Credential::FdiCookie(token)) => {
                    if !rid_ok {
                        return Err(fdi::csrf_failed());
                    }
                    token
                }
                None => {
                    return Err(ApiError::new(
                        ErrorKind::Unauthenticated,
                        Code::Unauthenticated,
                        "sign in first: send an access token",
                    )
                    .with_message("unauthorised"));
                }
            };
            let identity = &state.services.identity;
            let actor = match identity.authenticate(&token).await {
                Ok(actor) => actor,
                Err(e) if e.kind_of() == ErrorKind::Unauthenticated => {
                    let message = if identity.access_token_expired(&token).await {
                        "try refresh token"
                    } else {
                        "unauthorised"
                    };
                    return Err(ApiError::from(e).with_message(message));
                }
                Err(e) => return Err(e.into()),
            };
            if verification
                && state.settings.require_email_verification
                && !identity.email_verified(&actor).await?
            {
                return Err(email_not_verified());
            }
            Ok(Authenticated(actor))
        })
    }
}
