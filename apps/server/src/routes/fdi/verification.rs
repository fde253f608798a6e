//! The email-verification recipe and its `st-ev` session claim.

use super::forms;
use super::session::{require, with_tokens};
use super::transport;
use crate::http::ApiError;
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use p2p_kernel::Code;
use p2p_kernel::ErrorCode;
use serde::Deserialize;
use serde_json::json;

/// Sends a new verification link to the caller.
pub async fn send_email(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (actor, _) = require(&state, &req).await?;
    match state.services.identity.resend_verification(&actor).await {
        Ok(()) => Ok(forms::status("OK")),
        Err(e) if e.code() == Code::AlreadyVerified => {
            Ok(forms::status("EMAIL_ALREADY_VERIFIED_ERROR"))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct VerifyBody {
    #[serde(default)]
    token: String,
}

/// Confirms the email with the token of the link. With a session, its
/// access token is reissued with `st-ev` true.
pub async fn verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<VerifyBody>,
) -> Result<HttpResponse, ApiError> {
    let identity = &state.services.identity;
    match identity.verify_email(&body.token).await {
        Ok(_) => {}
        Err(e) if [Code::InvalidToken, Code::TokenUsed, Code::TokenExpired].contains(&e.code()) => {
            return Ok(forms::status("EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"));
        }
        Err(e) => return Err(e.into()),
    }
    if transport::access_token(&req).is_some()
        && let Ok((actor, mode)) = require(&state, &req).await
    {
        let tokens = identity.fdi_reissue(&actor).await?;
        return Ok(with_tokens(&state, &tokens, mode, json!({"status": "OK"})));
    }
    Ok(forms::status("OK"))
}

/// `{"status": "OK", "isVerified": bool}`; when the session's `st-ev` claim
/// disagrees, its access token is reissued with the current value.
pub async fn is_verified(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (actor, mode) = require(&state, &req).await?;
    let identity = &state.services.identity;
    let verified = identity.email_verified(&actor).await?;
    let body = json!({"status": "OK", "isVerified": verified});
    let claimed = match transport::access_token(&req) {
        Some(p) => identity
            .fdi_claims(&p.token)
            .await
            .map(|c| c.email_verified.v),
        None => None,
    };
    if claimed == Some(verified) {
        return Ok(HttpResponse::Ok().json(body));
    }
    let tokens = identity.fdi_reissue(&actor).await?;
    Ok(with_tokens(&state, &tokens, mode, body))
}
