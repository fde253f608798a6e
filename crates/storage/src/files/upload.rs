//! Uploads through the server.

use super::entity::{self, READY};
use super::errors::storage_error;
use super::{FileManager, clean_filename, storage_key};
use crate::body::{limit_body, peek_head};
use crate::error::StorageError;
use crate::sniff::SNIFF_LEN;
use p2p_kernel::persistence::db_error;
use p2p_kernel::persistence::{db_now, db_time};
use p2p_kernel::ports::{FileInfo, FileUpload};
use p2p_kernel::{Actor, DomainError};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use uuid::Uuid;

impl FileManager {
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
            upload_expires_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        };
        match row.insert(self.db()).await {
            Ok(row) => self.info(&row),
            Err(e) => {
                if let Err(cleanup) = self.store().delete(&key).await {
                    tracing::warn!(error = %cleanup, key, "orphan object left after a failed insert");
                }
                Err(db_error(e))
            }
        }
    }
}
