//! `POST /auth/session/refresh`, `POST /auth/signout`, `GET /auth/jwt/jwks.json`,
//! and resolving the caller's session for the other FDI routes.

use super::answers::{OkAnswer, RefreshRefusal, RefreshRefused};
use super::transport::{self, Mode};
use super::{FDI_TAG, cookie_settings};
use crate::http::error::Problem;
use crate::http::{ApiError, Client};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use p2p_identity::fdi::Jwks;
use p2p_kernel::{Actor, Code, ErrorCode};
use serde::Serialize;

/// The caller of an FDI route that needs a session, and the mode its token came in.
pub async fn require(state: &AppState, req: &HttpRequest) -> Result<(Actor, Mode), ApiError> {
    let presented = transport::access_token(req)
        .ok_or_else(|| transport::unauthorised("sign in first: no session"))?;
    if !transport::csrf_ok(req, presented.mode) {
        return Err(transport::csrf_failed());
    }
    let identity = &state.services.identity;
    match identity.authenticate(&presented.token).await {
        Ok(actor) => Ok((actor, presented.mode)),
        Err(e) if e.kind() == p2p_kernel::ErrorKind::Unauthenticated => {
            if identity.access_token_expired(&presented.token).await {
                Err(transport::try_refresh())
            } else {
                Err(transport::unauthorised(
                    "the session has ended or the token is invalid",
                ))
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Rotates the refresh token. A replayed (already rotated) refresh token
/// revokes the session: 401 `token theft detected`; any other failure is 401
/// `unauthorised`. Both clear the client's tokens.
///
/// The refresh token comes as `Authorization: Bearer` (header mode, new
/// tokens in the `st-access-token` and `st-refresh-token` headers) or as the
/// `sRefreshToken` cookie (cookie mode: new cookies; the request must carry
/// the `rid` header).
#[utoipa::path(post, path = "/auth/session/refresh", tag = FDI_TAG,
    operation_id = "fdi_refresh_session",
    security(("bearer" = []), ("supertokens_refresh_cookie" = [])),
    responses(
        (status = 200, body = OkAnswer, description = "new tokens, with `front-token`"),
        (status = 401, description = "no usable refresh token (`application/json`, the tokens are cleared with `front-token: remove`), or a cookie refresh without the `rid` header (problem `csrf_failed`)",
            content(
                (RefreshRefused = "application/json"),
                (Problem = "application/problem+json"),
            )),
    ))]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    client: Client,
) -> Result<HttpResponse, ApiError> {
    let cookies = cookie_settings(&state);
    let Some(presented) = transport::refresh_token(&req) else {
        return Ok(unauthorised_cleared(cookies, RefreshRefusal::Unauthorised));
    };
    if !transport::csrf_ok(&req, presented.mode) {
        return Err(transport::csrf_failed());
    }
    match state
        .services
        .identity
        .fdi_refresh(&presented.token, client.0)
        .await
    {
        Ok(tokens) => {
            let mut response = HttpResponse::Ok();
            transport::attach(&mut response, &tokens, presented.mode, cookies);
            Ok(response.json(OkAnswer::Ok))
        }
        Err(e) if e.code() == Code::RefreshTokenReused => Ok(unauthorised_cleared(
            cookies,
            RefreshRefusal::TokenTheftDetected,
        )),
        Err(e) if e.kind() == p2p_kernel::ErrorKind::Unauthenticated => {
            Ok(unauthorised_cleared(cookies, RefreshRefusal::Unauthorised))
        }
        Err(e) => Err(e.into()),
    }
}

fn unauthorised_cleared(
    cookies: transport::CookieSettings,
    message: RefreshRefusal,
) -> HttpResponse {
    let mut response = HttpResponse::Unauthorized();
    transport::clear(&mut response, cookies);
    response.json(RefreshRefused { message })
}

/// Ends the session (its refresh token stops working, its access tokens are
/// refused from now on) and clears the client's tokens. A cookie-authenticated
/// request must carry the `rid` header.
#[utoipa::path(post, path = "/auth/signout", tag = FDI_TAG, operation_id = "fdi_sign_out",
    security(("bearer" = []), ("supertokens_cookie" = [])),
    responses(
        (status = 200, body = OkAnswer, description = "the session ended; `front-token: remove`"),
    ))]
pub async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (actor, _) = require(&state, &req).await?;
    state.services.identity.logout(&actor).await?;
    let mut response = HttpResponse::Ok();
    transport::clear(&mut response, cookie_settings(&state));
    Ok(response.json(OkAnswer::Ok))
}

/// The public keys of the RS256 access tokens (cacheable for 60 s).
#[utoipa::path(get, path = "/auth/jwt/jwks.json", tag = FDI_TAG, operation_id = "fdi_jwks",
    responses((status = 200, body = Jwks)))]
pub async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = state.services.identity.jwks().await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "max-age=60, must-revalidate"))
        .json(keys))
}

/// `body` with new tokens for the caller (a new session, or a claim changed).
pub fn with_tokens(
    state: &AppState,
    tokens: &p2p_identity::fdi::FdiTokens,
    mode: Mode,
    body: &impl Serialize,
) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    transport::attach(&mut response, tokens, mode, cookie_settings(state));
    response.json(body)
}
