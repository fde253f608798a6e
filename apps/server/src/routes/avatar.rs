//! Avatars: stored and served through the file service.

use crate::http::error::Problem;
use crate::http::upload::with_multipart_file;
use crate::http::{ApiError, Authenticated};
use crate::state::AppState;
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpResponse, get, put, web};
use p2p_identity::UserProfile;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// Replaces the caller's avatar: an image (PNG, JPEG, GIF or WebP) of at most
/// 5 MiB in the multipart field `file`.
#[utoipa::path(operation_id = "upload_avatar", tag = "users", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", content = crate::http::upload::UploadForm),
    responses(
        (status = 200, body = UserProfile),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem),
    ))]
#[put("/users/me/avatar")]
pub async fn upload(
    state: web::Data<AppState>,
    auth: Authenticated,
    multipart: Multipart,
) -> Result<web::Json<UserProfile>, ApiError> {
    let files = &state.services.files;
    let avatar = with_multipart_file(multipart, |file| files.store_avatar(&auth.0, file)).await?;
    let identity = &state.services.identity;
    Ok(web::Json(
        identity
            .set_avatar(&auth.0, avatar.url, Some(avatar.version))
            .await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AvatarQuery {
    /// The avatar version from the profile's `avatar_url`.
    pub v: Uuid,
}

/// Redirects to a short-lived download URL of a user's avatar (public, like the profile picture it is).
#[utoipa::path(operation_id = "download_avatar", tag = "users", params(AvatarQuery), responses((status = 302), (status = 404, body = Problem)))]
#[get("/users/{id}/avatar")]
pub async fn download(
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    query: web::Query<AvatarQuery>,
) -> Result<HttpResponse, ApiError> {
    let url = state
        .services
        .files
        .avatar_url(path.into_inner(), query.v)
        .await?;
    Ok(HttpResponse::Found()
        .insert_header((header::LOCATION, url))
        .insert_header((header::CACHE_CONTROL, "private, max-age=240"))
        .finish())
}
