//! `/api/v1/files`: uploads (multipart or presigned) and downloads by redirect
//! for whoever may see the content the file belongs to.

use crate::http::error::Problem;
use crate::http::upload::{UploadForm, with_multipart_file};
use crate::http::{ApiError, ApiJson, Authenticated};
use crate::state::AppState;
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use p2p_kernel::ids::FileId;
use p2p_kernel::ports::FileInfo;
use p2p_storage::{PresignRequest, PresignedUpload};

/// Uploads a file (multipart field `file`): images, PDF, office documents or
/// videos, within each kind's size limit. The file stays visible to its
/// uploader only, and is deleted after a day, unless attached to content.
#[utoipa::path(operation_id = "upload_file", tag = "files", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", content = UploadForm),
    responses(
        (status = 201, body = FileInfo),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem),
    ))]
#[post("/files")]
pub async fn upload(
    state: web::Data<AppState>,
    auth: Authenticated,
    multipart: Multipart,
) -> Result<HttpResponse, ApiError> {
    let files = &state.services.files;
    let info = with_multipart_file(multipart, |file| files.upload(&auth.0, file)).await?;
    Ok(HttpResponse::Created().json(info))
}

/// Announces an upload and returns a presigned `PUT` URL for its bytes.
/// The type (415) and size (413) are checked now, the content when the file
/// is first used.
#[utoipa::path(tag = "files", security(("bearer" = [])), request_body = PresignRequest,
    responses(
        (status = 201, body = PresignedUpload),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem),
    ))]
#[post("/files/presign")]
pub async fn presign(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: ApiJson<PresignRequest>,
) -> Result<HttpResponse, ApiError> {
    let presigned = state.services.files.presign(&auth.0, body.0).await?;
    Ok(HttpResponse::Created().json(presigned))
}

/// Redirects to a short-lived download URL of the file, for whoever may see
/// the content it is attached to (its uploader while unattached); 404 for anyone else.
#[utoipa::path(operation_id = "download_file", tag = "files", security(("bearer" = [])),
    responses((status = 302, description = "`Location`: the download URL"),
        (status = 404, body = Problem), (status = 409, body = Problem)), params(("id" = FileId, Path, description = "the file")))]
#[get("/files/{id}")]
pub async fn download(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<FileId>,
) -> Result<HttpResponse, ApiError> {
    let link = state
        .services
        .files
        .download(&auth.0, id.into_inner())
        .await?;
    Ok(HttpResponse::Found()
        .insert_header((header::LOCATION, link.url))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .finish())
}
