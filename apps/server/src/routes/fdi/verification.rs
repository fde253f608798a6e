//! The email-verification recipe and its `st-ev` session claim.

use super::answers::{IsVerifiedAnswer, VerificationEmailAnswer, VerifyEmailAnswer};
use super::forms::answer;
use super::session::{require, with_tokens};
use super::{FDI_TAG, transport};
use crate::http::error::Problem;
use crate::http::{ApiError, ApiJson};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use p2p_kernel::Code;
use p2p_kernel::ErrorCode;
use serde::Deserialize;
use utoipa::ToSchema;

/// Sends a new verification link to the caller.
#[utoipa::path(post, path = "/auth/user/email/verify/token", tag = FDI_TAG,
    operation_id = "fdi_send_verification_email",
    security(("bearer" = []), ("supertokens_cookie" = [])),
    responses(
        (status = 200, body = VerificationEmailAnswer),
        (status = 429, body = Problem, description = "rate_limited: too many verification emails for this account"),
    ))]
pub async fn send_email(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (actor, _) = require(&state, &req).await?;
    match state.services.identity.resend_verification(&actor).await {
        Ok(()) => Ok(answer(&VerificationEmailAnswer::Ok)),
        Err(e) if e.code() == Code::AlreadyVerified => {
            Ok(answer(&VerificationEmailAnswer::EmailAlreadyVerifiedError))
        }
        Err(e) => Err(e.into()),
    }
}

/// The token of a verification link.
#[derive(Deserialize, ToSchema)]
#[schema(as = FdiVerifyEmailBody)]
pub struct VerifyBody {
    /// The `token` of the link (missing: the invalid-token answer).
    #[serde(default)]
    token: String,
}

/// Confirms the email with the token of the link. With a session, its
/// access token is reissued with `st-ev` true.
#[utoipa::path(post, path = "/auth/user/email/verify", tag = FDI_TAG,
    operation_id = "fdi_verify_email", request_body = VerifyBody,
    responses((status = 200, body = VerifyEmailAnswer)))]
pub async fn verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    ApiJson(body): ApiJson<VerifyBody>,
) -> Result<HttpResponse, ApiError> {
    let identity = &state.services.identity;
    match identity.verify_email(&body.token).await {
        Ok(_) => {}
        Err(e) if [Code::InvalidToken, Code::TokenUsed, Code::TokenExpired].contains(&e.code()) => {
            return Ok(answer(
                &VerifyEmailAnswer::EmailVerificationInvalidTokenError,
            ));
        }
        Err(e) => return Err(e.into()),
    }
    if transport::access_token(&req).is_some()
        && let Ok((actor, mode)) = require(&state, &req).await
    {
        let tokens = identity.fdi_reissue(&actor).await?;
        return Ok(with_tokens(&state, &tokens, mode, &VerifyEmailAnswer::Ok));
    }
    Ok(answer(&VerifyEmailAnswer::Ok))
}

/// Whether the caller's email is verified; when the session's `st-ev` claim
/// disagrees, its access token is reissued with the current value.
#[utoipa::path(get, path = "/auth/user/email/verify", tag = FDI_TAG,
    operation_id = "fdi_is_email_verified",
    security(("bearer" = []), ("supertokens_cookie" = [])),
    responses((status = 200, body = IsVerifiedAnswer)))]
pub async fn is_verified(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let (actor, mode) = require(&state, &req).await?;
    let identity = &state.services.identity;
    let verified = identity.email_verified(&actor).await?;
    let body = IsVerifiedAnswer::Ok {
        is_verified: verified,
    };
    let claimed = match transport::access_token(&req) {
        Some(p) => identity
            .fdi_claims(&p.token)
            .await
            .map(|c| c.email_verified.v),
        None => None,
    };
    if claimed == Some(verified) {
        return Ok(answer(&body));
    }
    let tokens = identity.fdi_reissue(&actor).await?;
    Ok(with_tokens(&state, &tokens, mode, &body))
}
