//! Who is calling: a Bearer token (API clients) or the session cookies
//! (browsers). A state-changing request authenticated by cookie must echo the
//! `p2p_csrf` cookie in the `x-csrf-token` header (double submit), or it is
//! refused: a cross-site page can make the browser send the cookies, but it
//! cannot read them.

use super::ApiError;
use super::cookies::{ACCESS_COOKIE, CSRF_COOKIE, CSRF_HEADER};
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use p2p_kernel::{Actor, ErrorKind};

/// The authenticated caller.
pub struct Authenticated(pub Actor);

enum Credential {
    Bearer(String),
    Cookie(String),
}

fn credential(req: &HttpRequest) -> Option<Credential> {
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    if let Some(token) = bearer {
        return Some(Credential::Bearer(token));
    }
    req.cookie(ACCESS_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|t| !t.is_empty())
        .map(Credential::Cookie)
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

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn csrf_error() -> ApiError {
    ApiError::new(
        ErrorKind::Forbidden,
        "csrf_failed",
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
                None => {
                    return Err(ApiError::new(
                        ErrorKind::Unauthenticated,
                        "unauthenticated",
                        "sign in first: send an access token",
                    ));
                }
            };
            let actor = state.services.identity.authenticate(&token).await?;
            Ok(Authenticated(actor))
        })
    }
}
