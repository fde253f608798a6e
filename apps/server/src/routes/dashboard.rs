//! `/api/v1/dashboard`: statistics, activity feed, trending.

use super::params::PageQuery;
use crate::http::error::Problem;
use crate::http::{ApiError, ApiQuery, Authenticated};
use crate::state::AppState;
use actix_web::{get, web};
use p2p_dashboard::{ActivityItem, DashboardStats, TrendingItem};
use p2p_kernel::Page;

/// The caller's, their organization's and the platform's figures (cached a few seconds).
#[utoipa::path(operation_id = "dashboard_stats", tag = "dashboard", security(("bearer" = [])),
    responses((status = 200, body = DashboardStats), (status = 401, body = Problem)))]
#[get("/dashboard/stats")]
pub async fn stats(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<DashboardStats>, ApiError> {
    Ok(web::Json(
        state.services.discovery.dashboard.stats(&auth.0).await?,
    ))
}

/// Recent activity the caller may see, newest first.
#[utoipa::path(tag = "dashboard", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<ActivityItem>), (status = 422, body = Problem)))]
#[get("/dashboard/activity")]
pub async fn activity(
    state: web::Data<AppState>,
    auth: Authenticated,
    page: ApiQuery<PageQuery>,
) -> Result<web::Json<Page<ActivityItem>>, ApiError> {
    let page = page.0.page()?;
    let dashboard = &state.services.discovery.dashboard;
    Ok(web::Json(dashboard.activity(&auth.0, page).await?))
}

/// Topics and use cases by recent engagement with time decay; each item
/// carries the components of its score.
#[utoipa::path(tag = "dashboard", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<TrendingItem>), (status = 422, body = Problem)))]
#[get("/dashboard/trending")]
pub async fn trending(
    state: web::Data<AppState>,
    auth: Authenticated,
    page: ApiQuery<PageQuery>,
) -> Result<web::Json<Page<TrendingItem>>, ApiError> {
    let page = page.0.page()?;
    let dashboard = &state.services.discovery.dashboard;
    Ok(web::Json(dashboard.trending(&auth.0, page).await?))
}
