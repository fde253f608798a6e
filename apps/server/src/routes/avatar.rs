//! Avatars: uploaded through the file storage, served by redirect.

use crate::http::error::Problem;
use crate::http::upload::store_multipart_file;
use crate::http::{ApiError, Authenticated};
use crate::state::AppState;
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpResponse, get, put, web};
use p2p_identity::UserProfile;
use p2p_storage::{MIB, UploadPolicy};
use serde::Deserialize;
use std::time::Duration;
use utoipa::IntoParams;
use uuid::Uuid;

const AVATAR_MAX_BYTES: u64 = 5 * MIB;
const DOWNLOAD_URL_TTL: Duration = Duration::from_secs(300);

fn avatar_key(user: Uuid, file: Uuid) -> String {
    format!("avatars/{user}/{file}")
}

/// Replaces the caller's avatar: an image (PNG, JPEG, GIF or WebP) of at most
/// 5 MiB in the multipart field `file`.
#[utoipa::path(tag = "users", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "field `file`: the image"),
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
    let user = auth.0.user_id.0;
    let file = Uuid::new_v4();
    store_multipart_file(
        state.backends.files.as_ref(),
        &avatar_key(user, file),
        multipart,
        &UploadPolicy::images_only(AVATAR_MAX_BYTES),
    )
    .await?;
    let url = format!(
        "{}/api/v1/users/{user}/avatar?v={file}",
        state.settings.public_url.as_str().trim_end_matches('/')
    );
    Ok(web::Json(
        state
            .services
            .identity
            .set_avatar(&auth.0, url, Some(file))
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
#[utoipa::path(tag = "users", params(AvatarQuery), responses((status = 302), (status = 404, body = Problem)))]
#[get("/users/{id}/avatar")]
pub async fn download(
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    query: web::Query<AvatarQuery>,
) -> Result<HttpResponse, ApiError> {
    let key = avatar_key(path.into_inner(), query.v);
    let files = state.backends.files.as_ref();
    if files.head(&key).await?.is_none() {
        return Err(ApiError::not_found());
    }
    let url = files.presign_get(&key, DOWNLOAD_URL_TTL, None).await?;
    Ok(HttpResponse::Found()
        .insert_header((header::LOCATION, url.url))
        .insert_header((header::CACHE_CONTROL, "private, max-age=240"))
        .finish())
}
