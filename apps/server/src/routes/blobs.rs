//! The URLs that the local file store presigns: the server itself plays the
//! part S3 plays in the full deployment. Each request carries its signature.

use crate::http::ApiError;
use crate::http::upload::store_presigned_body;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpResponse, get, put, web};
use p2p_storage::{BlobMethod, BlobQuery, LocalStore, content_disposition_attachment};
use std::sync::Arc;
use time::OffsetDateTime;

fn local_store(state: &AppState) -> Result<&Arc<LocalStore>, ApiError> {
    // With S3 configured, presigned URLs point at S3 and this route names nothing.
    state
        .backends
        .local_files
        .as_ref()
        .ok_or_else(ApiError::not_found)
}

/// Downloads a file through a presigned URL of the local store.
#[utoipa::path(operation_id = "download_blob", tag = "files", responses((status = 200, description = "the file's bytes"), (status = 403), (status = 404)))]
#[get("/files/blob/{key:.*}")]
pub async fn download(
    state: web::Data<AppState>,
    key: web::Path<String>,
    query: web::Query<BlobQuery>,
) -> Result<HttpResponse, ApiError> {
    let store = local_store(&state)?;
    store.verify_signature(BlobMethod::Get, &key, &query, OffsetDateTime::now_utc())?;
    let object = p2p_storage::ObjectStore::get(store.as_ref(), &key).await?;
    let mut response = HttpResponse::Ok();
    response
        .content_type(object.meta.content_type.clone())
        .insert_header((header::CONTENT_LENGTH, object.meta.size))
        .insert_header((header::CACHE_CONTROL, "private, max-age=300"));
    if let Some(name) = &query.filename {
        response.insert_header((
            header::CONTENT_DISPOSITION,
            content_disposition_attachment(name),
        ));
    }
    Ok(response.streaming(object.body))
}

/// Uploads a file through a presigned URL of the local store, once: a URL
/// whose bytes were stored already answers 409 `already_uploaded`.
#[utoipa::path(operation_id = "upload_blob", tag = "files", request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200), (status = 403), (status = 409), (status = 413)))]
#[put("/files/blob/{key:.*}")]
pub async fn upload(
    state: web::Data<AppState>,
    key: web::Path<String>,
    query: web::Query<BlobQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let store = local_store(&state)?;
    store.verify_signature(BlobMethod::Put, &key, &query, OffsetDateTime::now_utc())?;
    let content_type = query
        .content_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into());
    let limit = query.size.unwrap_or(p2p_storage::MIB * 200);
    store_presigned_body(store, &key, &content_type, limit, payload).await?;
    Ok(HttpResponse::Ok().finish())
}
