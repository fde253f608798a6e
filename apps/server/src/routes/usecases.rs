//! `/api/v1/use-cases`: drafts, publishing, media, the filtered list with
//! facets, views, revisions and export.

use super::params::PageQuery;
use crate::http::error::Problem;
use crate::http::upload::with_multipart_file;
use crate::http::{ApiError, ApiJson, ApiQuery, Authenticated};
use crate::state::AppState;
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use p2p_kernel::ids::UseCaseId;
use p2p_usecases::{
    ExportFormat, NewUseCase, UseCaseFilter, UseCaseList, UseCasePatch, UseCaseRevision,
    UseCaseView,
};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (default) or `json`.
    #[serde(default)]
    #[param(inline)]
    pub format: ExportFormat,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MediaQuery {
    /// Shown with the image or video.
    pub caption: Option<String>,
}

/// Published use cases (`status=draft`: my organization's drafts) with
/// filters, `sort=latest|popular`, and facet counts per filter value.
#[utoipa::path(operation_id = "list_use_cases", tag = "use-cases", security(("bearer" = [])), params(UseCaseFilter, PageQuery),
    responses((status = 200, body = UseCaseList), (status = 422, body = Problem)))]
#[get("/use-cases")]
pub async fn list(
    state: web::Data<AppState>,
    auth: Authenticated,
    filter: ApiQuery<UseCaseFilter>,
    page: ApiQuery<PageQuery>,
) -> Result<web::Json<UseCaseList>, ApiError> {
    let page = page.0.page()?;
    let usecases = &state.services.usecases;
    Ok(web::Json(usecases.list(&auth.0, filter.0, page).await?))
}

/// Creates a draft in my organization (media: ids of files uploaded beforehand).
#[utoipa::path(operation_id = "create_use_case", tag = "use-cases", security(("bearer" = [])), request_body = NewUseCase,
    responses((status = 201, body = UseCaseView), (status = 422, body = Problem),
        (status = 404, body = Problem, description = "`not_found`: a media entry names no file the caller may attach (each one named in `errors`, `unknown_file`)")))]
#[post("/use-cases")]
pub async fn create(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: ApiJson<NewUseCase>,
) -> Result<HttpResponse, ApiError> {
    let view = state.services.usecases.create(&auth.0, body.0).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Every use case of the list with these filters, streamed: CSV with a header row, or a JSON array.
#[utoipa::path(tag = "use-cases", security(("bearer" = [])), params(UseCaseFilter, ExportQuery),
    responses((status = 200, description = "`format=csv`: CSV with a header row; `format=json`: a JSON array",
        content((String = "text/csv"), (Vec<UseCaseView> = "application/json"))),
        (status = 422, body = Problem)))]
#[get("/use-cases/export")]
pub async fn export(
    state: web::Data<AppState>,
    auth: Authenticated,
    filter: ApiQuery<UseCaseFilter>,
    query: ApiQuery<ExportQuery>,
) -> HttpResponse {
    let format = query.0.format;
    let body = state.services.usecases.export(&auth.0, filter.0, format);
    let (content_type, name) = match format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", "use-cases.csv"),
        ExportFormat::Json => ("application/json", "use-cases.json"),
    };
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            p2p_storage::content_disposition_attachment(name),
        ))
        .streaming(body)
}

/// A use case (drafts: inside their organization only); counts my view once a day.
#[utoipa::path(operation_id = "get_use_case", tag = "use-cases", security(("bearer" = [])),
    responses((status = 200, body = UseCaseView), (status = 404, body = Problem)), params(("id" = UseCaseId, Path, description = "the use case")))]
#[get("/use-cases/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<UseCaseId>,
) -> Result<web::Json<UseCaseView>, ApiError> {
    let usecases = &state.services.usecases;
    Ok(web::Json(usecases.get(&auth.0, id.into_inner()).await?))
}

/// Edits a use case (submitter or their organization's admin); a published one keeps a revision.
#[utoipa::path(operation_id = "update_use_case", tag = "use-cases", security(("bearer" = [])), request_body = UseCasePatch,
    responses((status = 200, body = UseCaseView), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)), params(("id" = UseCaseId, Path, description = "the use case")))]
#[patch("/use-cases/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<UseCaseId>,
    body: ApiJson<UseCasePatch>,
) -> Result<web::Json<UseCaseView>, ApiError> {
    let usecases = &state.services.usecases;
    Ok(web::Json(
        usecases.update(&auth.0, id.into_inner(), body.0).await?,
    ))
}

/// Deletes a use case and (in the background) its media.
#[utoipa::path(operation_id = "delete_use_case", tag = "use-cases", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)), params(("id" = UseCaseId, Path, description = "the use case")))]
#[delete("/use-cases/{id}")]
pub async fn remove(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<UseCaseId>,
) -> Result<HttpResponse, ApiError> {
    let usecases = &state.services.usecases;
    usecases.delete(&auth.0, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Publishes a draft: visible to the whole platform.
#[utoipa::path(operation_id = "publish_use_case", tag = "use-cases", security(("bearer" = [])),
    responses((status = 200, body = UseCaseView), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)), params(("id" = UseCaseId, Path, description = "the use case")))]
#[post("/use-cases/{id}/publish")]
pub async fn publish(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<UseCaseId>,
) -> Result<web::Json<UseCaseView>, ApiError> {
    let usecases = &state.services.usecases;
    Ok(web::Json(usecases.publish(&auth.0, id.into_inner()).await?))
}

/// Uploads an image or video (multipart field `file`) and appends it to the
/// use case's media. Presigned uploads are attached through `media` in `PATCH`.
#[utoipa::path(tag = "use-cases", security(("bearer" = [])), params(("id" = UseCaseId, Path, description = "the use case"), MediaQuery),
    request_body(content_type = "multipart/form-data", content = crate::http::upload::UploadForm),
    responses((status = 200, body = UseCaseView), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem)))]
#[post("/use-cases/{id}/media")]
pub async fn add_media(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<UseCaseId>,
    query: ApiQuery<MediaQuery>,
    multipart: Multipart,
) -> Result<web::Json<UseCaseView>, ApiError> {
    let usecases = &state.services.usecases;
    let (id, caption) = (id.into_inner(), query.0.caption);
    let view = with_multipart_file(multipart, |file| {
        usecases.add_media(&auth.0, id, caption, file)
    })
    .await?;
    Ok(web::Json(view))
}

/// The previous versions of a published use case, newest first.
#[utoipa::path(operation_id = "use_case_revisions", tag = "use-cases", security(("bearer" = [])),
    responses((status = 200, body = Vec<UseCaseRevision>), (status = 404, body = Problem)), params(("id" = UseCaseId, Path, description = "the use case")))]
#[get("/use-cases/{id}/revisions")]
pub async fn revisions(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<UseCaseId>,
) -> Result<web::Json<Vec<UseCaseRevision>>, ApiError> {
    let usecases = &state.services.usecases;
    Ok(web::Json(
        usecases.revisions(&auth.0, id.into_inner()).await?,
    ))
}

/// The media upload's `caption` query parameter follows the caption rule
/// (the one `media[].caption` follows in a body).
pub fn state_caption(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{Object, Type};
    let Some(operation) = crate::openapi_links::operation(document, "add_media") else {
        return;
    };
    for parameter in operation.parameters.iter_mut().flatten() {
        if let RefOr::T(parameter) = parameter
            && parameter.name == "caption"
        {
            let text = Object::with_type(Type::String);
            parameter.schema = Some(RefOr::T(p2p_usecases::CAPTION.constrain(text)));
        }
    }
}
