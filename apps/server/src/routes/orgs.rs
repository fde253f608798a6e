//! `/api/v1/organizations`: the caller's organization, its members and stats.

use super::users::ListQuery;
use crate::http::error::Problem;
use crate::http::{ApiError, ApiJson, ApiQuery, Authenticated};
use crate::state::AppState;
use actix_web::{get, patch, web};
use p2p_kernel::Page;
use p2p_orgs::{MemberView, OrgPatch, OrgStats, OrganizationView};

/// The caller's organization.
#[utoipa::path(tag = "organizations", security(("bearer" = [])), responses((status = 200, body = OrganizationView)))]
#[get("/organizations/current")]
pub async fn current(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<OrganizationView>, ApiError> {
    Ok(web::Json(state.services.orgs.current(&auth.0).await?))
}

/// Updates the caller's organization (admin).
#[utoipa::path(tag = "organizations", security(("bearer" = [])), request_body = OrgPatch, responses(
    (status = 200, body = OrganizationView), (status = 403, body = Problem), (status = 422, body = Problem),
))]
#[patch("/organizations/current")]
pub async fn update_current(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: ApiJson<OrgPatch>,
) -> Result<web::Json<OrganizationView>, ApiError> {
    Ok(web::Json(
        state.services.orgs.update_current(&auth.0, body.0).await?,
    ))
}

/// Active members of the caller's organization.
#[utoipa::path(tag = "organizations", security(("bearer" = [])), params(ListQuery), responses((status = 200, body = Page<MemberView>)))]
#[get("/organizations/members")]
pub async fn members(
    state: web::Data<AppState>,
    auth: Authenticated,
    query: ApiQuery<ListQuery>,
) -> Result<web::Json<Page<MemberView>>, ApiError> {
    let page = query.0.page()?;
    Ok(web::Json(state.services.orgs.members(&auth.0, page).await?))
}

/// Members, topics, posts, use cases and daily activity over the last 30 days.
#[utoipa::path(operation_id = "organization_stats", tag = "organizations", security(("bearer" = [])), responses((status = 200, body = OrgStats)))]
#[get("/organizations/stats")]
pub async fn stats(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<OrgStats>, ApiError> {
    Ok(web::Json(state.services.orgs.stats(&auth.0).await?))
}
