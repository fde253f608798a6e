//! `/api/v1/users`: profiles, members, invitations, roles and deactivation.

use super::params::PageQuery;
use crate::http::error::Problem;
use crate::http::{ApiError, ApiJson, ApiQuery, Authenticated, Client};
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use p2p_identity::{
    AdminUserPatch, EraseRequest, InvitationView, InviteRequest, ProfilePatch, PublicProfile,
    UserProfile,
};
use p2p_kernel::{Page, PageRequest};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// Pagination and filtering of a list.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Words of the name or email (one with a control character matches nobody).
    pub q: Option<String>,
}

impl ListQuery {
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        Ok(PageRequest::new(self.limit, self.cursor.clone())?)
    }
}

/// The caller's own profile.
#[utoipa::path(tag = "users", security(("bearer" = [])), responses((status = 200, body = UserProfile), (status = 401, body = Problem)))]
#[get("/users/me")]
pub async fn me(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<UserProfile>, ApiError> {
    Ok(web::Json(state.services.identity.me(&auth.0).await?))
}

/// Updates the caller's own profile.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = ProfilePatch, responses((status = 200, body = UserProfile), (status = 422, body = Problem)))]
#[patch("/users/me")]
pub async fn update_me(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: ApiJson<ProfilePatch>,
) -> Result<web::Json<UserProfile>, ApiError> {
    Ok(web::Json(
        state.services.identity.update_me(&auth.0, body.0).await?,
    ))
}

/// Erases the caller's account (password required): personal data wiped, sessions ended,
/// email freed; what they wrote stays, by a deleted user.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = EraseRequest, responses(
    (status = 204), (status = 401, body = Problem),
    (status = 403, body = Problem, description = "`invalid_credentials`: wrong password"),
    (status = 409, body = Problem, description = "`last_admin`: the only admin of an organization with other members"),
))]
#[delete("/users/me")]
pub async fn erase_me(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: ApiJson<EraseRequest>,
) -> Result<HttpResponse, ApiError> {
    let identity = &state.services.identity;
    identity.erase_me(&auth.0, &body.0.password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Members of the caller's organization (admin), with `q` filtering.
#[utoipa::path(operation_id = "list_users", tag = "users", security(("bearer" = [])), params(ListQuery), responses((status = 200, body = Page<UserProfile>), (status = 403, body = Problem)))]
#[get("/users")]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ApiQuery<ListQuery>,
) -> Result<web::Json<Page<UserProfile>>, ApiError> {
    let page = query.0.page()?;
    let identity = &state.services.identity;
    Ok(web::Json(
        identity.list_members(&auth.0, page, query.0.q).await?,
    ))
}

/// Invites someone into the caller's organization (admin); they get an email with a link.
#[utoipa::path(tag = "users", security(("bearer" = [])), request_body = InviteRequest, responses(
    (status = 201, body = InvitationView), (status = 403, body = Problem),
    (status = 409, body = Problem, description = "`email_taken`, `invitation_pending`"),
    (status = 429, body = Problem, description = "the admin's or the organization's hourly invitations are used up; `Retry-After`"),
))]
#[post("/users/invite")]
pub async fn invite(
    state: web::Data<AppState>,
    auth: Authenticated,
    client: Client,
    body: ApiJson<InviteRequest>,
) -> Result<HttpResponse, ApiError> {
    // Unless the body names the invitation's language: the request's.
    let req = InviteRequest {
        locale: body.0.locale.or(client.0.locale),
        ..body.0
    };
    let invitation = state.services.identity.invite(&auth.0, req).await?;
    Ok(HttpResponse::Created().json(invitation))
}

/// Pending invitations of the caller's organization (admin), newest first.
#[utoipa::path(tag = "users", security(("bearer" = [])), params(PageQuery), responses(
    (status = 200, body = Page<InvitationView>), (status = 403, body = Problem),
))]
#[get("/users/invitations")]
pub async fn invitations(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ApiQuery<PageQuery>,
) -> Result<web::Json<Page<InvitationView>>, ApiError> {
    let page = query.0.page()?;
    let identity = &state.services.identity;
    Ok(web::Json(identity.list_invitations(&auth.0, page).await?))
}

/// Withdraws a pending invitation (admin): its emailed link then answers 410.
#[utoipa::path(tag = "users", security(("bearer" = [])), responses(
    (status = 204), (status = 403, body = Problem),
    (status = 404, body = Problem, description = "unknown, another organization's, accepted or already withdrawn"),
))]
#[delete("/users/invitations/{id}")]
pub async fn revoke_invitation(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let identity = &state.services.identity;
    identity.revoke_invitation(&auth.0, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Emails a pending (or expired) invitation again with a new link (admin); the old link stops working.
#[utoipa::path(tag = "users", security(("bearer" = [])), responses(
    (status = 202, body = InvitationView), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 429, body = Problem, description = "the admin's or the organization's hourly invitations are used up; `Retry-After`"),
))]
#[post("/users/invitations/{id}/resend")]
pub async fn resend_invitation(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let identity = &state.services.identity;
    let invitation = identity.resend_invitation(&auth.0, id.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(invitation))
}

/// The public profile of any user of the platform.
#[utoipa::path(operation_id = "get_user", tag = "users", security(("bearer" = [])), responses((status = 200, body = PublicProfile), (status = 404, body = Problem)))]
#[get("/users/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<web::Json<PublicProfile>, ApiError> {
    let identity = &state.services.identity;
    Ok(web::Json(
        identity.get_user(&auth.0, id.into_inner().into()).await?,
    ))
}

/// Changes a member's role or active state (admin of that member's organization).
#[utoipa::path(operation_id = "update_user", tag = "users", security(("bearer" = [])), request_body = AdminUserPatch, responses(
    (status = 200, body = UserProfile), (status = 403, body = Problem), (status = 404, body = Problem),
    (status = 409, body = Problem, description = "`last_admin`"),
))]
#[patch("/users/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
    body: ApiJson<AdminUserPatch>,
) -> Result<web::Json<UserProfile>, ApiError> {
    let identity = &state.services.identity;
    Ok(web::Json(
        identity
            .update_user(&auth.0, id.into_inner().into(), body.0)
            .await?,
    ))
}

/// Deactivates a member (admin): their sessions end, their content stays.
#[utoipa::path(tag = "users", security(("bearer" = [])), responses(
    (status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
))]
#[delete("/users/{id}")]
pub async fn deactivate(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let identity = &state.services.identity;
    identity.deactivate(&auth.0, id.into_inner().into()).await?;
    Ok(HttpResponse::NoContent().finish())
}
