//! `/api/v1/auth`: signup, login, refresh, logout, email verification,
//! password reset, invitations and sessions.

use crate::http::auth::{csrf_error, csrf_ok};
use crate::http::cookies::{CookiePolicy, REFRESH_COOKIE, SessionCookies};
use crate::http::error::Problem;
use crate::http::extract::parse_json;
use crate::http::{ApiError, ApiJson, Authenticated, Client};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, post, web};
use p2p_identity::{
    AcceptInviteRequest, AuthResponse, LoginRequest, PasswordResetConfirm, PasswordResetRequest,
    RefreshRequest, SessionView, SignupRequest, TokenPair, UserProfile, VerifyEmailRequest,
};
use p2p_kernel::Code;
use p2p_kernel::{ErrorKind, Page};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A short confirmation.
#[derive(Serialize, ToSchema)]
pub struct Done {
    pub status: &'static str,
}

fn with_session(
    state: &AppState,
    status: StatusCode,
    tokens: &TokenPair,
    body: &impl Serialize,
) -> HttpResponse {
    let mut response = HttpResponseBuilder::new(status);
    cookie_policy(state).set_session(
        &mut response,
        &SessionCookies {
            access_token: &tokens.access_token,
            access_ttl_secs: tokens.expires_in,
            refresh_token: &tokens.refresh_token,
            refresh_ttl_secs: tokens.refresh_expires_in,
        },
    );
    response.json(body)
}

fn cookie_policy(state: &AppState) -> CookiePolicy {
    CookiePolicy {
        secure: state.settings.secure_cookies(),
    }
}

/// Creates an organization (its domain is the email's domain) and its first user as admin.
#[utoipa::path(tag = "auth", request_body = SignupRequest, responses(
    (status = 201, body = AuthResponse),
    (status = 409, body = Problem, description = "`email_taken`, or `organization_exists`: join by invitation"),
    (status = 422, body = Problem), (status = 429, body = Problem),
))]
#[post("/auth/signup")]
pub async fn signup(
    state: web::Data<AppState>,
    client: Client,
    body: ApiJson<SignupRequest>,
) -> Result<HttpResponse, ApiError> {
    let auth = state.services.identity.signup(body.0, client.0).await?;
    Ok(with_session(
        &state,
        StatusCode::CREATED,
        &auth.tokens(),
        &auth,
    ))
}

/// Signs in; a wrong email or password gets the same 401.
#[utoipa::path(tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = AuthResponse),
    (status = 401, body = Problem, description = "`invalid_credentials`"),
    (status = 429, body = Problem),
))]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    client: Client,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let auth = state.services.identity.login(body.0, client.0).await?;
    Ok(with_session(&state, StatusCode::OK, &auth.tokens(), &auth))
}

/// Exchanges a refresh token (body, or the refresh cookie with the CSRF header)
/// for a new pair. Presenting an already-used refresh token revokes the session.
#[utoipa::path(tag = "auth", request_body(content = Option<RefreshRequest>), responses(
    (status = 200, body = TokenPair),
    (status = 401, body = Problem, description = "`invalid_refresh_token`, `refresh_token_reused`"),
    (status = 403, body = Problem, description = "`csrf_failed`: without a body, the refresh cookie is read only with its `x-csrf-token` header"),
))]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    client: Client,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    // No body, or `null` (as the document allows): the refresh cookie.
    let sent = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        parse_json::<Option<RefreshRequest>>(&body)?
    };
    let token = match sent {
        Some(request) => request.refresh_token,
        None => {
            if !csrf_ok(&req) {
                return Err(csrf_error());
            }
            req.cookie(REFRESH_COOKIE)
                .map(|c| c.value().to_owned())
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorKind::Unauthenticated,
                        Code::Unauthenticated,
                        "no refresh token",
                    )
                })?
        }
    };
    let tokens = state.services.identity.refresh(&token, client.0).await?;
    Ok(with_session(&state, StatusCode::OK, &tokens, &tokens))
}

/// Ends the caller's session: its refresh token stops working at once, its
/// access token on the next request.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses((status = 204), (status = 401, body = Problem)))]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    state.services.identity.logout(&auth.0).await?;
    let mut response = HttpResponse::NoContent();
    cookie_policy(&state).clear_session(&mut response);
    Ok(response.finish())
}

/// Confirms an email address with the token from the verification email.
#[utoipa::path(tag = "auth", request_body = VerifyEmailRequest, responses(
    (status = 200, body = UserProfile),
    (status = 400, body = Problem, description = "`invalid_token`"),
    (status = 410, body = Problem, description = "`token_used`, `token_expired`"),
))]
#[post("/auth/verify-email")]
pub async fn verify_email(
    state: web::Data<AppState>,
    body: ApiJson<VerifyEmailRequest>,
) -> Result<web::Json<UserProfile>, ApiError> {
    Ok(web::Json(
        state.services.identity.verify_email(&body.0.token).await?,
    ))
}

/// Sends a new verification link (earlier links stop working).
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses((status = 202, body = Done), (status = 409, body = Problem)))]
#[post("/auth/verify-email/resend")]
pub async fn resend_verification(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    state.services.identity.resend_verification(&auth.0).await?;
    Ok(HttpResponse::Accepted().json(Done { status: "sent" }))
}

/// Sends a reset link when the account exists; answers the same either way.
#[utoipa::path(tag = "auth", request_body = PasswordResetRequest, responses((status = 202, body = Done), (status = 429, body = Problem)))]
#[post("/auth/reset-password")]
pub async fn reset_password(
    state: web::Data<AppState>,
    client: Client,
    body: ApiJson<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let identity = &state.services.identity;
    identity
        .request_password_reset(&body.0.email, client.0)
        .await?;
    Ok(HttpResponse::Accepted().json(Done { status: "accepted" }))
}

/// Sets a new password with the token from the reset email; ends every session.
#[utoipa::path(tag = "auth", request_body = PasswordResetConfirm, responses(
    (status = 200, body = Done),
    (status = 400, body = Problem), (status = 410, body = Problem), (status = 422, body = Problem),
))]
#[post("/auth/reset-password/confirm")]
pub async fn confirm_reset_password(
    state: web::Data<AppState>,
    body: ApiJson<PasswordResetConfirm>,
) -> Result<web::Json<Done>, ApiError> {
    let body = body.0;
    let identity = &state.services.identity;
    identity
        .confirm_password_reset(&body.token, &body.new_password)
        .await?;
    Ok(web::Json(Done {
        status: "password_changed",
    }))
}

/// Creates the invited account and signs it in.
#[utoipa::path(tag = "auth", request_body = AcceptInviteRequest, responses(
    (status = 201, body = AuthResponse),
    (status = 400, body = Problem), (status = 409, body = Problem), (status = 410, body = Problem), (status = 422, body = Problem),
))]
#[post("/auth/accept-invite")]
pub async fn accept_invite(
    state: web::Data<AppState>,
    client: Client,
    body: ApiJson<AcceptInviteRequest>,
) -> Result<HttpResponse, ApiError> {
    let auth = state
        .services
        .identity
        .accept_invite(body.0, client.0)
        .await?;
    Ok(with_session(
        &state,
        StatusCode::CREATED,
        &auth.tokens(),
        &auth,
    ))
}

/// The caller's active sessions (one per signed-in device).
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses((status = 200, body = Page<SessionView>)))]
#[get("/auth/sessions")]
pub async fn list_sessions(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<Page<SessionView>>, ApiError> {
    let items = state.services.identity.list_sessions(&auth.0).await?;
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}

/// Revokes one of the caller's sessions.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses((status = 204), (status = 404, body = Problem)))]
#[delete("/auth/sessions/{id}")]
pub async fn revoke_session(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let identity = &state.services.identity;
    identity
        .revoke_session(&auth.0, id.into_inner().into())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
