//! `/api/v1/reports`, `/api/v1/moderation/...` and the organization's audit log.

use super::params::PageQuery;
use crate::http::error::Problem;
use crate::http::{ApiError, ApiJson, ApiQuery, Authenticated};
use crate::state::AppState;
use actix_web::{HttpResponse, get, post, web};
use p2p_kernel::Page;
use p2p_kernel::ports::TargetType;
use p2p_moderation::{AuditLogEntry, NewReport, ReportFilter, ReportView, Resolve, TargetView};
use uuid::Uuid;

/// Reports content or a user to its moderators: 201, or 200 with the open
/// report when the caller already reported the same target.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), request_body = NewReport,
    responses((status = 201, body = ReportView), (status = 200, body = ReportView),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/reports")]
pub async fn report(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: ApiJson<NewReport>,
) -> Result<HttpResponse, ApiError> {
    let filed = state.services.moderation.report(&auth.0, body.0).await?;
    Ok(if filed.created {
        HttpResponse::Created().json(filed.report)
    } else {
        HttpResponse::Ok().json(filed.report)
    })
}

/// Reports the caller moderates (superusers: all; organization admins: about
/// content their members wrote), newest first.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), params(ReportFilter, PageQuery),
    responses((status = 200, body = Page<ReportView>), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/moderation/reports")]
pub async fn reports(
    state: web::Data<AppState>,
    auth: Authenticated,
    filter: ApiQuery<ReportFilter>,
    page: ApiQuery<PageQuery>,
) -> Result<web::Json<Page<ReportView>>, ApiError> {
    let page = page.0.page()?;
    let moderation = &state.services.moderation;
    Ok(web::Json(
        moderation.list_reports(&auth.0, filter.0, page).await?,
    ))
}

/// Resolves a report (and every open report of its target): `dismiss`, `hide` or `delete`.
#[utoipa::path(tag = "moderation", security(("bearer" = [])), request_body = Resolve,
    responses((status = 200, body = ReportView), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/moderation/reports/{id}/resolve")]
pub async fn resolve(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<Uuid>,
    body: ApiJson<Resolve>,
) -> Result<web::Json<ReportView>, ApiError> {
    let moderation = &state.services.moderation;
    Ok(web::Json(
        moderation.resolve(&auth.0, id.into_inner(), body.0).await?,
    ))
}

/// Shows hidden content again.
#[utoipa::path(tag = "moderation", security(("bearer" = [])),
    responses((status = 200, body = TargetView), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[post("/moderation/{target_type}/{target_id}/unhide")]
pub async fn unhide(
    state: web::Data<AppState>,
    auth: Authenticated,
    path: web::Path<(TargetType, Uuid)>,
) -> Result<web::Json<TargetView>, ApiError> {
    let (kind, id) = path.into_inner();
    let moderation = &state.services.moderation;
    Ok(web::Json(moderation.unhide(&auth.0, kind, id).await?))
}

/// Who did what in the caller's organization, newest first (admins).
#[utoipa::path(tag = "organizations", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<AuditLogEntry>), (status = 403, body = Problem)))]
#[get("/organizations/audit-log")]
pub async fn audit_log(
    state: web::Data<AppState>,
    auth: Authenticated,
    page: ApiQuery<PageQuery>,
) -> Result<web::Json<Page<AuditLogEntry>>, ApiError> {
    let page = page.0.page()?;
    let moderation = &state.services.moderation;
    Ok(web::Json(moderation.audit_log(&auth.0, page).await?))
}
