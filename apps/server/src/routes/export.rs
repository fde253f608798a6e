//! `GET /api/v1/users/me/export`: the caller's personal data, one JSON document.

use crate::http::error::Problem;
use crate::http::{ApiError, Authenticated};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpResponse, get, web};

/// Everything the platform holds about the caller, as one JSON document
/// (`format`, `version`, `generated_at`, `profile`, `organization`,
/// `sessions`, `topics`, `posts`, `use_cases` with drafts, `conversations`
/// with every message sent and received, `notifications`, `files` with
/// download URLs), streamed; a body cut short means the export failed.
#[utoipa::path(tag = "users", security(("bearer" = [])), responses(
    (status = 200, content_type = "application/json", body = Object,
        description = "attachment `p2p-export-<date>.json`"),
    (status = 401, body = Problem),
))]
#[get("/users/me/export")]
pub async fn export_me(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<HttpResponse, ApiError> {
    let export = crate::export::start(&state.services, &auth.0).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            header::CONTENT_DISPOSITION,
            p2p_storage::content_disposition_attachment(&export.filename),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(export.body))
}
