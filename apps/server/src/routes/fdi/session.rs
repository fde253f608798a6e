//! `POST /auth/session/refresh`, `POST /auth/signout`, `GET /auth/jwt/jwks.json`,
//! and resolving the caller's session for the other FDI routes.

use super::cookie_settings;
use super::transport::{self, Mode};
use crate::http::{ApiError, Client};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};

use p2p_kernel::{Actor, Code, ErrorCode};
use serde_json::json;

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
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    client: Client,
) -> Result<HttpResponse, ApiError> {
    let cookies = cookie_settings(&state);
    let Some(presented) = transport::refresh_token(&req) else {
        return Ok(unauthorised_cleared(cookies, "unauthorised"));
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
            Ok(response.json(json!({"status": "OK"})))
        }
        Err(e) if e.code() == Code::RefreshTokenReused => {
            Ok(unauthorised_cleared(cookies, "token theft detected"))
        }
        Err(e) if e.kind() == p2p_kernel::ErrorKind::Unauthenticated => {
            Ok(unauthorised_cleared(cookies, "unauthorised"))
        }
        Err(e) => Err(e.into()),
    }
}

fn unauthorised_cleared(cookies: transport::CookieSettings, message: &str) -> HttpResponse {
    let mut response = HttpResponse::Unauthorized();
    transport::clear(&mut response, cookies);
    response.json(json!({ "message": message }))
}

/// Ends the session (its refresh token stops working, its access tokens are
/// refused from now on) and clears the client's tokens.
pub async fn sign_out(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (actor, _) = require(&state, &req).await?;
    state.services.identity.logout(&actor).await?;
    let mut response = HttpResponse::Ok();
    transport::clear(&mut response, cookie_settings(&state));
    Ok(response.json(json!({"status": "OK"})))
}

/// The public keys of the RS256 access tokens.
pub async fn jwks(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = state.services.identity.jwks().await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "max-age=60, must-revalidate"))
        .json(keys))
}

/// `{"status": "OK"}` with new tokens for the caller (after a claim changed).
pub fn with_tokens(
    state: &AppState,
    tokens: &p2p_identity::fdi::FdiTokens,
    mode: Mode,
    body: serde_json::Value,
) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    transport::attach(&mut response, tokens, mode, cookie_settings(state));
    response.json(body)
}
