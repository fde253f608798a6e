//! The email-password recipe: sign up, sign in, email exists, password reset.

use super::forms::{self, Form, field_error, validation_fields};
use super::session::with_tokens;
use super::transport;
use crate::http::{ApiError, Client};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use p2p_identity::fdi::fdi_user_json;
use p2p_identity::{LoginRequest, SignupRequest};
use p2p_kernel::Code;
use p2p_kernel::ErrorCode;
use serde::Deserialize;
use serde_json::json;

const SIGN_UP_FIELDS: [&str; 5] = [
    "email",
    "password",
    "first_name",
    "last_name",
    "organization_name",
];

/// Creates an organization and its admin (like `/api/v1/auth/signup`) and
/// starts a session. Extra form fields: `first_name`, `last_name`,
/// `organization_name`.
pub async fn sign_up(
    state: web::Data<AppState>,
    req: HttpRequest,
    client: Client,
    form: web::Json<Form>,
) -> Result<HttpResponse, ApiError> {
    if let Some(missing) = form.missing(&SIGN_UP_FIELDS) {
        return Ok(missing);
    }
    let request = SignupRequest {
        email: form.get("email"),
        password: form.get("password"),
        first_name: form.get("first_name"),
        last_name: form.get("last_name"),
        organization_name: form.get("organization_name"),
    };
    match state.services.identity.fdi_sign_up(request, client.0).await {
        Ok((user, tokens)) => Ok(with_tokens(
            &state,
            &tokens,
            transport::requested_mode(&req),
            json!({"status": "OK", "user": fdi_user_json(&user)}),
        )),
        Err(e) if e.code() == Code::EmailTaken => Ok(field_error(&[(
            "email".into(),
            "This email already exists. Please sign in instead.".into(),
        )])),
        Err(e) if e.code() == Code::OrganizationExists => Ok(field_error(&[(
            "email".into(),
            "An organization with this email domain is already registered: ask its admin for an invitation.".into(),
        )])),
        Err(e) => match validation_fields(&e) {
            Some(fields) => Ok(field_error(&fields)),
            None => Err(e.into()),
        },
    }
}

/// Signs in and starts a session; a wrong email or password is
/// `WRONG_CREDENTIALS_ERROR`.
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    client: Client,
    form: web::Json<Form>,
) -> Result<HttpResponse, ApiError> {
    if let Some(missing) = form.missing(&["email", "password"]) {
        return Ok(missing);
    }
    let request = LoginRequest {
        email: form.get("email"),
        password: form.get("password"),
    };
    match state.services.identity.fdi_sign_in(request, client.0).await {
        Ok((user, tokens)) => Ok(with_tokens(
            &state,
            &tokens,
            transport::requested_mode(&req),
            json!({"status": "OK", "user": fdi_user_json(&user)}),
        )),
        Err(e) if e.code() == Code::InvalidCredentials => {
            Ok(forms::status("WRONG_CREDENTIALS_ERROR"))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct EmailQuery {
    email: String,
}

/// `{"status": "OK", "exists": bool}`.
pub async fn email_exists(
    state: web::Data<AppState>,
    client: Client,
    query: web::Query<EmailQuery>,
) -> Result<HttpResponse, ApiError> {
    let exists = state
        .services
        .identity
        .email_exists(&query.email, client.0)
        .await?;
    Ok(HttpResponse::Ok().json(json!({"status": "OK", "exists": exists})))
}

/// Emails a reset link when the account exists; `OK` either way.
pub async fn send_reset_email(
    state: web::Data<AppState>,
    client: Client,
    form: web::Json<Form>,
) -> Result<HttpResponse, ApiError> {
    if let Some(missing) = form.missing(&["email"]) {
        return Ok(missing);
    }
    match state
        .services
        .identity
        .request_password_reset(&form.get("email"), client.0)
        .await
    {
        Ok(()) => Ok(forms::status("OK")),
        Err(e) => match validation_fields(&e) {
            Some(fields) => Ok(field_error(&fields)),
            None => Err(e.into()),
        },
    }
}

#[derive(Deserialize)]
pub struct ResetBody {
    #[serde(rename = "formFields")]
    form_fields: Vec<forms::FormField>,
    #[serde(default)]
    token: String,
}

/// Sets the new password with the token of the reset link (every session of
/// the account ends).
pub async fn reset_password(
    state: web::Data<AppState>,
    body: web::Json<ResetBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let form = Form {
        form_fields: body.form_fields,
    };
    if let Some(missing) = form.missing(&["password"]) {
        return Ok(missing);
    }
    match state
        .services
        .identity
        .confirm_password_reset(&body.token, &form.get("password"))
        .await
    {
        Ok(()) => Ok(forms::status("OK")),
        Err(e) if [Code::InvalidToken, Code::TokenUsed, Code::TokenExpired].contains(&e.code()) => {
            Ok(forms::status("RESET_PASSWORD_INVALID_TOKEN_ERROR"))
        }
        Err(e) => match validation_fields(&e) {
            Some(fields) => Ok(field_error(&fields)),
            None => Err(e.into()),
        },
    }
}
