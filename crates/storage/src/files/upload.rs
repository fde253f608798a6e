//! Uploads through the server, and the check of presigned uploads once their
//! bytes are in the store.

use super::entity::{self, Model, PENDING, READY};
use super::errors::storage_error;
use super::{FileService, clean_filename, storage_key};
use crate::body::{limit_body, peek_head};
use crate::error::StorageError;
use crate::sniff::SNIFF_LEN;
use futures_util::StreamExt;
use p2p_kernel::dbtime::{db_now, db_time};
use p2p_kernel::error::db_error;
use p2p_kernel::ports::{FileInfo, FileUpload};
use p2p_kernel::{Actor, DomainError};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, IntoActiveModel};
use sha2::{Digest, Sha256};
use uuid::Uuid;

impl FileService {
    /// Stores an upload: the first bytes must be of an accepted type that
    /// agrees with the declared one (415), the size within its kind's limit
    /// (413). The body is streamed to the store, never held whole.
    pub async fn upload(&self, actor: &Actor, upload: FileUpload) -> Result<FileInfo, DomainError> {
        let id = Uuid::now_v7();
        let key = storage_key(actor.org_id.0, id);
        let (head, body) = peek_head(upload.body, SNIFF_LEN)
            .await
            .map_err(|e| storage_error(StorageError::from_body(e)))?;
        let accepted =
            self.config()
                .policy
                .check_content(upload.content_type.as_deref(), &head, None)?;
        let meta = self
            .store()
            .put(
                &key,
                accepted.content_type,
                limit_body(body, accepted.max_size),
            )
            .await
            .map_err(storage_error)?;
        let now = db_now();
        let row = entity::ActiveModel {
            id: Set(id),
            storage_key: Set(key.clone()),
            uploader_id: Set(actor.user_id.0),
            organization_id: Set(actor.org_id.0),
            filename: Set(upload.filename.as_deref().and_then(clean_filename)),
            content_type: Set(accepted.content_type.to_owned()),
            size: Set(i64::try_from(meta.size).unwrap_or(i64::MAX)),
            sha256: Set(meta.sha256),
            status: Set(READY.to_owned()),
            owner_kind: Set(None),
            owner_id: Set(None),
            position: Set(0),
            expires_at: Set(Some(db_time(now + self.config().unattached_ttl))),
            created_at: Set(now),
            updated_at: Set(now),
        };
        match row.insert(self.db()).await {
            Ok(row) => Ok(self.info(&row)),
            Err(e) => {
                if let Err(cleanup) = self.store().delete(&key).await {
                    tracing::warn!(error = %cleanup, key, "orphan object left after a failed insert");
                }
                Err(db_error(e))
            }
        }
    }

    /// A presigned upload whose bytes were not checked yet is checked now:
    /// missing bytes → 409 `upload_incomplete`; content refused by the policy
    /// → the policy's 415/413, and the object and its row are deleted.
    /// Reads the object once, streaming, to sniff it and record its SHA-256.
    pub(crate) async fn ensure_ready(&self, row: Model) -> Result<Model, DomainError> {
        if row.status != PENDING {
            return Ok(row);
        }
        let incomplete = || {
            DomainError::conflict(
                "upload_incomplete",
                "the file's bytes have not been uploaded yet",
            )
        };
        let object = match self.store().get(&row.storage_key).await {
            Ok(object) => object,
            Err(e) if e.is_not_found() => return Err(incomplete()),
            Err(e) => return Err(storage_error(e)),
        };
        let mut body = object.body;
        let mut hasher = Sha256::new();
        let mut head = Vec::with_capacity(SNIFF_LEN);
        let mut size: u64 = 0;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| storage_error(StorageError::from_body(e)))?;
            if head.len() < SNIFF_LEN {
                let take = (SNIFF_LEN - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            size += chunk.len() as u64;
            hasher.update(&chunk);
        }
        let declared = u64::try_from(row.size).unwrap_or_default();
        let checked = if size > declared {
            Err(DomainError::payload_too_large(format!(
                "the upload has {size} bytes, {declared} were announced"
            )))
        } else {
            self.config()
                .policy
                .check_content(Some(&row.content_type), &head, Some(size))
        };
        if let Err(refused) = checked {
            self.delete_now(&row).await;
            return Err(refused);
        }
        let mut active = row.into_active_model();
        active.status = Set(READY.to_owned());
        active.size = Set(i64::try_from(size).unwrap_or(i64::MAX));
        active.sha256 = Set(Some(hex::encode(hasher.finalize())));
        active.updated_at = Set(db_now());
        active.update(self.db()).await.map_err(db_error)
    }

    /// Deletes a file's row, then its object (best effort: logged on failure).
    pub(crate) async fn delete_now(&self, row: &Model) {
        if let Err(e) = entity::Entity::delete_by_id(row.id).exec(self.db()).await {
            tracing::warn!(error = %e, file = %row.id, "could not delete a file row");
            return;
        }
        if let Err(e) = self.store().delete(&row.storage_key).await {
            tracing::warn!(error = %e, key = row.storage_key, "could not delete a stored object");
        }
    }
}
