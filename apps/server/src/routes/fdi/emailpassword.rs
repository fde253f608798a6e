//! The email-password recipe: sign up, sign in, email exists, password reset.

use super::answers::{
    EmailExistsAnswer, ResetEmailAnswer, ResetPasswordAnswer, SignInAnswer, SignUpAnswer,
};
use super::forms::{self, Form, answer, field_error, validation_fields};
use super::session::with_tokens;
use super::{FDI_TAG, transport};
use crate::http::error::Problem;
use crate::http::{ApiError, ApiJson, Client};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use p2p_identity::fdi::FdiUser;
use p2p_identity::{LoginRequest, SignupRequest};
use p2p_kernel::Code;
use p2p_kernel::ErrorCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

const SIGN_UP_FIELDS: [&str; 5] = [
    "email",
    "password",
    "first_name",
    "last_name",
    "organization_name",
];

/// Creates an organization and its admin (like `/api/v1/auth/signup`) and
/// starts a session. Form fields: `email`, `password`, `first_name`,
/// `last_name`, `organization_name`. The tokens come as the `st-access-token`
/// and `st-refresh-token` headers with `st-auth-mode: header`, else as the
/// `sAccessToken` and `sRefreshToken` cookies; `front-token` either way.
#[utoipa::path(post, path = "/auth/signup", tag = FDI_TAG, operation_id = "fdi_sign_up",
    request_body = Form,
    responses(
        (status = 200, body = SignUpAnswer, description = "`OK` with the new user, or `FIELD_ERROR` (a missing or invalid field, a taken email, a registered email domain)"),
        (status = 429, body = Problem, description = "rate_limited: too many sign-ups from this address"),
    ))]
pub async fn sign_up(
    state: web::Data<AppState>,
    req: HttpRequest,
    client: Client,
    ApiJson(form): ApiJson<Form>,
) -> Result<HttpResponse, ApiError> {
    if let Some(form_fields) = form.missing(&SIGN_UP_FIELDS) {
        return Ok(answer(&SignUpAnswer::FieldError { form_fields }));
    }
    let request = SignupRequest {
        email: form.get("email"),
        password: form.get("password"),
        first_name: form.get("first_name"),
        last_name: form.get("last_name"),
        organization_name: form.get("organization_name"),
    };
    let refused = |id: &str, error: &str| {
        Ok(answer(&SignUpAnswer::FieldError {
            form_fields: vec![field_error(id, error)],
        }))
    };
    match state.services.identity.fdi_sign_up(request, client.0).await {
        Ok((user, tokens)) => Ok(with_tokens(
            &state,
            &tokens,
            transport::requested_mode(&req),
            &SignUpAnswer::Ok {
                user: FdiUser::of(&user),
            },
        )),
        Err(e) if e.code() == Code::EmailTaken => refused(
            "email",
            "This email already exists. Please sign in instead.",
        ),
        Err(e) if e.code() == Code::OrganizationExists => refused(
            "email",
            "An organization with this email domain is already registered: ask its admin for an invitation.",
        ),
        Err(e) => match validation_fields(&e) {
            Some(form_fields) => Ok(answer(&SignUpAnswer::FieldError { form_fields })),
            None => Err(e.into()),
        },
    }
}

/// Signs in and starts a session (tokens as for sign-up); a wrong email or
/// password is `WRONG_CREDENTIALS_ERROR`.
#[utoipa::path(post, path = "/auth/signin", tag = FDI_TAG, operation_id = "fdi_sign_in",
    request_body = Form,
    responses(
        (status = 200, body = SignInAnswer, description = "`OK` with the user, `FIELD_ERROR` (email or password missing) or `WRONG_CREDENTIALS_ERROR`"),
        (status = 429, body = Problem, description = "rate_limited: too many attempts from this address or on this account"),
    ))]
pub async fn sign_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    client: Client,
    ApiJson(form): ApiJson<Form>,
) -> Result<HttpResponse, ApiError> {
    if let Some(form_fields) = form.missing(&["email", "password"]) {
        return Ok(answer(&SignInAnswer::FieldError { form_fields }));
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
            &SignInAnswer::Ok {
                user: FdiUser::of(&user),
            },
        )),
        Err(e) if e.code() == Code::InvalidCredentials => {
            Ok(answer(&SignInAnswer::WrongCredentialsError))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmailQuery {
    /// The email address to look up.
    email: String,
}

/// Whether an account has this email.
#[utoipa::path(get, path = "/auth/emailpassword/email/exists", tag = FDI_TAG,
    operation_id = "fdi_email_exists", params(EmailQuery),
    responses(
        (status = 200, body = EmailExistsAnswer),
        (status = 429, body = Problem, description = "rate_limited: too many lookups from this address"),
    ))]
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
    Ok(answer(&EmailExistsAnswer::Ok { exists }))
}

/// The older SDKs' path of [`email_exists`]: the same answers.
#[utoipa::path(get, path = "/auth/signup/email/exists", tag = FDI_TAG,
    operation_id = "fdi_signup_email_exists", params(EmailQuery),
    responses(
        (status = 200, body = EmailExistsAnswer),
        (status = 429, body = Problem, description = "rate_limited: too many lookups from this address"),
    ))]
pub async fn signup_email_exists(
    state: web::Data<AppState>,
    client: Client,
    query: web::Query<EmailQuery>,
) -> Result<HttpResponse, ApiError> {
    email_exists(state, client, query).await
}

/// Emails a reset link when the account exists; `OK` either way. Form field: `email`.
#[utoipa::path(post, path = "/auth/user/password/reset/token", tag = FDI_TAG,
    operation_id = "fdi_send_reset_email", request_body = Form,
    responses(
        (status = 200, body = ResetEmailAnswer, description = "`OK`, or `FIELD_ERROR` (no or an invalid email)"),
        (status = 429, body = Problem, description = "rate_limited: too many reset requests from this address"),
    ))]
pub async fn send_reset_email(
    state: web::Data<AppState>,
    client: Client,
    ApiJson(form): ApiJson<Form>,
) -> Result<HttpResponse, ApiError> {
    if let Some(form_fields) = form.missing(&["email"]) {
        return Ok(answer(&ResetEmailAnswer::FieldError { form_fields }));
    }
    match state
        .services
        .identity
        .request_password_reset(&form.get("email"), client.0)
        .await
    {
        Ok(()) => Ok(answer(&ResetEmailAnswer::Ok)),
        Err(e) => match validation_fields(&e) {
            Some(form_fields) => Ok(answer(&ResetEmailAnswer::FieldError { form_fields })),
            None => Err(e.into()),
        },
    }
}

/// The new password and the token of the reset link.
#[derive(Deserialize, ToSchema)]
#[schema(as = FdiResetPasswordBody)]
pub struct ResetBody {
    /// `password`: the new password.
    #[serde(rename = "formFields")]
    form_fields: Vec<forms::FormField>,
    /// The `token` of the reset link (missing: the invalid-token answer).
    #[serde(default)]
    token: String,
}

/// Sets the new password with the token of the reset link (every session of
/// the account ends).
#[utoipa::path(post, path = "/auth/user/password/reset", tag = FDI_TAG,
    operation_id = "fdi_reset_password", request_body = ResetBody,
    responses(
        (status = 200, body = ResetPasswordAnswer, description = "`OK`, `RESET_PASSWORD_INVALID_TOKEN_ERROR`, or `FIELD_ERROR` (no password, or one the password policy refuses)"),
    ))]
pub async fn reset_password(
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<ResetBody>,
) -> Result<HttpResponse, ApiError> {
    let form = Form {
        form_fields: body.form_fields,
    };
    if let Some(form_fields) = form.missing(&["password"]) {
        return Ok(answer(&ResetPasswordAnswer::FieldError { form_fields }));
    }
    match state
        .services
        .identity
        .confirm_password_reset(&body.token, &form.get("password"))
        .await
    {
        Ok(()) => Ok(answer(&ResetPasswordAnswer::Ok)),
        Err(e) if [Code::InvalidToken, Code::TokenUsed, Code::TokenExpired].contains(&e.code()) => {
            Ok(answer(&ResetPasswordAnswer::ResetPasswordInvalidTokenError))
        }
        Err(e) => match validation_fields(&e) {
            Some(form_fields) => Ok(answer(&ResetPasswordAnswer::FieldError { form_fields })),
            None => Err(e.into()),
        },
    }
}
