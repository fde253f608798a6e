//! Presigned uploads: the client sends the bytes straight to the store.

use super::entity::{self, PENDING};
use super::errors::storage_error;
use super::{FileService, clean_filename, storage_key};
use p2p_kernel::dbtime::{db_now, db_time};
use p2p_kernel::error::db_error;
use p2p_kernel::ids::FileId;
use p2p_kernel::{Actor, DomainError};
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// `POST /files/presign`.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct PresignRequest {
    pub filename: String,
    pub content_type: String,
    /// Exact size of the file in bytes.
    pub size: u64,
}

/// Where and how to upload the bytes.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PresignedUpload {
    pub file_id: FileId,
    /// `PUT` the bytes here, with `headers`, before `expires_at`.
    pub upload_url: String,
    pub method: String,
    /// Headers the upload must carry exactly (they are signed).
    pub headers: BTreeMap<String, String>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The file's URL once uploaded.
    pub url: String,
}

impl FileService {
    /// Announces an upload (type 415 / size 413 checked now, the content when
    /// the file is first used) and presigns its `PUT`.
    pub async fn presign(
        &self,
        actor: &Actor,
        request: PresignRequest,
    ) -> Result<PresignedUpload, DomainError> {
        let filename = clean_filename(&request.filename).ok_or_else(|| {
            DomainError::invalid_field("filename", "required", "give the file's name")
        })?;
        if request.size == 0 {
            return Err(DomainError::invalid_field(
                "size",
                "out_of_range",
                "the file is empty",
            ));
        }
        let accepted = self
            .config()
            .policy
            .check_declared(&request.content_type, request.size)?;
        let id = Uuid::now_v7();
        let key = storage_key(actor.org_id.0, id);
        let presigned = self
            .store()
            .presign_put(
                &key,
                accepted.content_type,
                Some(request.size),
                self.config().presign_ttl,
            )
            .await
            .map_err(storage_error)?;
        let now = db_now();
        let row = entity::ActiveModel {
            id: Set(id),
            storage_key: Set(key),
            uploader_id: Set(actor.user_id.0),
            organization_id: Set(actor.org_id.0),
            filename: Set(Some(filename)),
            content_type: Set(accepted.content_type.to_owned()),
            size: Set(i64::try_from(request.size).unwrap_or(i64::MAX)),
            sha256: Set(None),
            status: Set(PENDING.to_owned()),
            owner_kind: Set(None),
            owner_id: Set(None),
            position: Set(0),
            expires_at: Set(Some(db_time(now + self.config().unattached_ttl))),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(self.db())
        .await
        .map_err(db_error)?;
        Ok(PresignedUpload {
            file_id: FileId(id),
            upload_url: presigned.url,
            method: presigned.method.as_str().to_owned(),
            headers: presigned.required_headers.into_iter().collect(),
            expires_at: presigned.expires_at,
            url: self.info(&row).url,
        })
    }
}
