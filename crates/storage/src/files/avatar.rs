//! Avatars: a user's picture stored as `avatars/<user>/<version>` (not a
//! file of the files table: it belongs to the profile), served through a
//! short-lived URL to anyone.

use super::FileManager;
use crate::body::{limit_body, peek_head};
use crate::error::StorageError;
use crate::policy::{MIB, UploadPolicy};
use crate::sniff::SNIFF_LEN;
use p2p_kernel::ports::FileUpload;
use p2p_kernel::{Actor, Code, DomainError, ErrorCode, ErrorKind};
use std::time::Duration;
use uuid::Uuid;

/// The largest avatar accepted.
pub const AVATAR_MAX_BYTES: u64 = 5 * MIB;
/// Validity of an avatar's download URL.
const AVATAR_URL_TTL: Duration = Duration::from_secs(300);

/// A stored avatar: the URL to keep in the profile and its version.
#[derive(Clone, Debug)]
pub struct StoredAvatar {
    /// `{public_url}/api/v1/users/{user}/avatar?v={version}`.
    pub url: String,
    pub version: Uuid,
}

pub(crate) fn avatar_key(user: Uuid, version: Uuid) -> String {
    format!("avatars/{user}/{version}")
}

/// A store error answered as the store reports it (kind, code, detail, fields).
fn as_reported(e: StorageError) -> DomainError {
    match e.kind() {
        ErrorKind::Unavailable => DomainError::unavailable("file storage", e),
        kind if kind.is_server_error() => DomainError::internal(e),
        kind => DomainError::new(kind, e.code(), e.public_detail())
            .with_fields(e.field_errors().to_vec()),
    }
}

impl FileManager {
    /// Stores a new avatar of `actor` (PNG, JPEG, GIF or WebP, at most
    /// [`AVATAR_MAX_BYTES`]: 415 / 413 otherwise), streamed to the store.
    pub async fn store_avatar(
        &self,
        actor: &Actor,
        upload: FileUpload,
    ) -> Result<StoredAvatar, DomainError> {
        let user = actor.user_id.0;
        let version = Uuid::new_v4();
        let (head, body) = peek_head(upload.body, SNIFF_LEN)
            .await
            .map_err(|e| as_reported(StorageError::from_body(e)))?;
        let policy = UploadPolicy::images_only(AVATAR_MAX_BYTES);
        let accepted = policy.check_content(upload.content_type.as_deref(), &head, None)?;
        self.store()
            .put(
                &avatar_key(user, version),
                accepted.content_type,
                limit_body(body, accepted.max_size),
            )
            .await
            .map_err(as_reported)?;
        let url = format!(
            "{}/api/v1/users/{user}/avatar?v={version}",
            self.config().public_url
        );
        Ok(StoredAvatar { url, version })
    }

    /// A short-lived download URL of a user's avatar version; 404 when there is none.
    pub async fn avatar_url(&self, user: Uuid, version: Uuid) -> Result<String, DomainError> {
        let key = avatar_key(user, version);
        let store = self.store();
        if store.head(&key).await.map_err(as_reported)?.is_none() {
            let none = DomainError::new(ErrorKind::NotFound, Code::NotFound, "no such resource");
            return Err(none);
        }
        let url = store
            .presign_get(&key, AVATAR_URL_TTL, None)
            .await
            .map_err(as_reported)?;
        Ok(url.url)
    }
}
