//! `/api/v1/notifications`: the caller's notifications and email preferences.

use super::params::PageQuery;
use crate::http::error::Problem;
use crate::http::{ApiError, ApiJson, ApiQuery, Authenticated, Client};
use crate::state::AppState;
use actix_web::{get, post, put, web};
use p2p_kernel::Page;
use p2p_messaging::{
    MarkRead, MarkReadResult, NotificationFilter, NotificationPreferences, NotificationView,
    UnreadCount,
};

/// The caller's notifications, newest first. Titles are written in the
/// language `Accept-Language` asks for (`ar` or `en`), else in the caller's
/// own (`locale` of `GET /users/me`).
#[utoipa::path(operation_id = "list_notifications", tag = "notifications", security(("bearer" = [])),
    params(NotificationFilter, PageQuery,
        ("Accept-Language" = Option<String>, Header, description = "`ar` or `en` (RFC 9110 ranges with `q` weights); without a language the platform speaks, the caller's own")),
    responses((status = 200, body = Page<NotificationView>), (status = 422, body = Problem)))]
#[get("/notifications")]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    client: Client,
    filter: ApiQuery<NotificationFilter>,
    page: ApiQuery<PageQuery>,
) -> Result<web::Json<Page<NotificationView>>, ApiError> {
    let page = page.0.page()?;
    let notifications = &state.services.notifications;
    let locale = client.0.locale;
    Ok(web::Json(
        notifications.list(&auth.0, filter.0, page, locale).await?,
    ))
}

/// How many of the caller's notifications are unread.
#[utoipa::path(tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = UnreadCount)))]
#[get("/notifications/unread-count")]
pub async fn unread_count(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<UnreadCount>, ApiError> {
    Ok(web::Json(
        state.services.notifications.unread_count(&auth.0).await?,
    ))
}

/// Marks notifications read: `{"ids": [...]}` or `{"all": true}`.
#[utoipa::path(operation_id = "mark_notifications_read", tag = "notifications", security(("bearer" = [])), request_body = MarkRead,
    responses((status = 200, body = MarkReadResult), (status = 422, body = Problem)))]
#[post("/notifications/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: ApiJson<MarkRead>,
) -> Result<web::Json<MarkReadResult>, ApiError> {
    let notifications = &state.services.notifications;
    Ok(web::Json(notifications.mark_read(&auth.0, body.0).await?))
}

/// Whether each kind of notification is also emailed (in batched digests).
#[utoipa::path(tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = NotificationPreferences)))]
#[get("/notifications/preferences")]
pub async fn preferences(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<NotificationPreferences>, ApiError> {
    Ok(web::Json(
        state.services.notifications.preferences(&auth.0).await?,
    ))
}

/// Turns email on or off for the kinds given (`{"email": {"message": false}}`).
#[utoipa::path(tag = "notifications", security(("bearer" = [])),
    request_body = NotificationPreferences,
    responses((status = 200, body = NotificationPreferences), (status = 422, body = Problem)))]
#[put("/notifications/preferences")]
pub async fn set_preferences(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: ApiJson<NotificationPreferences>,
) -> Result<web::Json<NotificationPreferences>, ApiError> {
    let notifications = &state.services.notifications;
    Ok(web::Json(
        notifications.set_preferences(&auth.0, body.0).await?,
    ))
}
