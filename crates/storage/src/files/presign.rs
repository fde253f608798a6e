//! Presigned uploads: the client sends the bytes straight to the store, to a
//! staging object (`uploads/<org>/<id>`) that its URL can create once
//! (`If-None-Match: *`, see [`crate::ObjectStore::presign_put`]). When the
//! file is first used (download or attach), the server reads the staging
//! object once, checks it against the content policy and copies the checked
//! bytes to an object of its own (`files/<org>/<id>.<attempt>`) that no URL
//! can write: what was checked is what is served, whatever the store does with
//! a later `PUT`. The staging object stays until the URL has expired (so the
//! URL keeps being refused), then the sweeper deletes it.

use super::entity::{self, Column, Model, PENDING, READY};
use super::errors::storage_error;
use super::{FileManager, clean_filename, storage_key, upload_key};
use crate::body::{limit_body, peek_head};
use crate::error::StorageError;
use crate::policy::UploadPolicy;
use crate::sniff::SNIFF_LEN;
use p2p_kernel::Code;
use p2p_kernel::FieldCode;
use p2p_kernel::ids::FileId;
use p2p_kernel::persistence::{db_error, db_now, db_time, stored};
use p2p_kernel::text::{FieldConstraint, patterns};
use p2p_kernel::{Actor, DomainError};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use uuid::Uuid;

/// `POST /files/presign`.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
pub struct PresignRequest {
    pub filename: String,
    pub content_type: String,
    /// Exact size of the file in bytes.
    #[schema(minimum = 1)]
    pub size: u64,
}

/// The rules of the presign request, as the OpenAPI document states them.
pub const REQUEST_CONSTRAINTS: &[FieldConstraint] = &[
    FieldConstraint::pattern(
        "PresignRequest",
        "filename",
        (1, usize::MAX),
        patterns::file_name,
        "The file's name, or its path on the client: the last segment (after the last `/` or `\\`) is kept, without control characters and surrounding whitespace, at most 255 characters; it must not be empty then.",
    ),
    FieldConstraint::choice(
        "PresignRequest",
        declarable_files,
        "`content_type` is one of the accepted types, and `size` within its kind's limit (images 10 MiB, PDF and office documents 25 MiB, videos 200 MiB); another type is refused with 415, a larger size with 413.",
    ),
];

/// One choice per accepted kind of file: its types, its largest size.
fn declarable_files() -> Vec<Schema> {
    UploadPolicy::default()
        .declarable()
        .into_iter()
        .map(|(types, limit)| {
            ObjectBuilder::new()
                .property(
                    "content_type",
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .enum_values(Some(types)),
                )
                .required("content_type")
                .property(
                    "size",
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .maximum(Some(limit)),
                )
                .required("size")
                .build()
                .into()
        })
        .collect()
}

/// Where and how to upload the bytes.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PresignedUpload {
    pub file_id: FileId,
    /// `PUT` the bytes here, once, with `headers`, before `expires_at`.
    pub upload_url: String,
    pub method: String,
    /// Headers the upload must carry exactly (they are signed).
    pub headers: BTreeMap<String, String>,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// The file's URL once uploaded.
    pub url: String,
}

impl FileManager {
    /// Announces an upload (type 415 / size 413 checked now, the content when
    /// the file is first used) and presigns its one `PUT`.
    pub async fn presign(
        &self,
        actor: &Actor,
        request: PresignRequest,
    ) -> Result<PresignedUpload, DomainError> {
        let filename = clean_filename(&request.filename).ok_or_else(|| {
            DomainError::invalid_field("filename", FieldCode::Required, "give the file's name")
        })?;
        if request.size == 0 {
            return Err(DomainError::invalid_field(
                "size",
                FieldCode::OutOfRange,
                "the file is empty",
            ));
        }
        let accepted = self
            .config()
            .policy
            .check_declared(&request.content_type, request.size)?;
        let id = Uuid::now_v7();
        let key = upload_key(actor.org_id.0, id);
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
            upload_expires_at: Set(Some(db_time(presigned.expires_at))),
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
            url: self.download_url(FileId(row.id)),
        })
    }

    /// A presigned upload whose bytes were not checked yet is checked now:
    /// missing bytes → 409 `upload_incomplete`; content refused by the policy
    /// → the policy's 415/413, and the file is gone (see [`Self::refuse`]).
    /// Accepted bytes are copied, streaming, to the file's own object, and the
    /// row records that object, the size and the SHA-256.
    pub(crate) async fn ensure_ready(&self, row: Model) -> Result<Model, DomainError> {
        if row.status != PENDING {
            return Ok(row);
        }
        let object = match self.store().get(&row.storage_key).await {
            Ok(object) => object,
            Err(e) if e.is_not_found() => {
                return Err(DomainError::conflict(
                    Code::UploadIncomplete,
                    "the file's bytes have not been uploaded yet",
                ));
            }
            Err(e) => return Err(storage_error(e)),
        };
        let declared: u64 = stored("file size", row.size)?;
        let size = object.meta.size;
        if size > declared {
            let refused = DomainError::payload_too_large(format!(
                "the upload has {size} bytes, {declared} were announced"
            ));
            return Err(self.refuse(&row, refused).await);
        }
        let (head, body) = peek_head(object.body, SNIFF_LEN)
            .await
            .map_err(|e| storage_error(StorageError::from_body(e)))?;
        if let Err(refused) =
            self.config()
                .policy
                .check_content(Some(&row.content_type), &head, Some(size))
        {
            return Err(self.refuse(&row, refused).await);
        }
        let key = format!(
            "{}.{}",
            storage_key(row.organization_id, row.id),
            Uuid::new_v4().simple()
        );
        let copied = self
            .store()
            .put(&key, &row.content_type, limit_body(body, declared))
            .await;
        let meta = match copied {
            Ok(meta) => meta,
            Err(e) => {
                self.delete_object(&key).await;
                return Err(match e {
                    StorageError::TooLarge { .. } => self.refuse(&row, storage_error(e)).await,
                    e => storage_error(e),
                });
            }
        };
        let now = db_now();
        // Conditional: of two first uses at once, one records its copy and the
        // other deletes its own.
        let recorded = entity::Entity::update_many()
            .col_expr(Column::Status, Expr::value(READY))
            .col_expr(Column::StorageKey, Expr::value(key.clone()))
            .col_expr(
                Column::Size,
                Expr::value(i64::try_from(meta.size).unwrap_or(i64::MAX)),
            )
            .col_expr(Column::Sha256, Expr::value(meta.sha256.clone()))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::Id.eq(row.id))
            .filter(Column::Status.eq(PENDING))
            .exec(self.db())
            .await;
        match recorded {
            Ok(done) if done.rows_affected == 1 => Ok(Model {
                status: READY.to_owned(),
                storage_key: key,
                size: i64::try_from(meta.size).unwrap_or(i64::MAX),
                sha256: meta.sha256,
                updated_at: now,
                ..row
            }),
            Ok(_) => {
                self.delete_object(&key).await;
                entity::Entity::find_by_id(row.id)
                    .one(self.db())
                    .await
                    .map_err(db_error)?
                    .filter(|current| current.status == READY)
                    .ok_or_else(|| DomainError::not_found("file"))
            }
            Err(e) => {
                self.delete_object(&key).await;
                Err(db_error(e))
            }
        }
    }

    /// Refused content: the file is gone for everyone at once (it expires
    /// now). The sweeper deletes its row and staging object once the upload
    /// URL has expired: until then the object stays where the URL would write,
    /// so the URL cannot store other bytes. Returns `refused`.
    async fn refuse(&self, row: &Model, refused: DomainError) -> DomainError {
        let now = db_now();
        let expired = entity::Entity::update_many()
            .col_expr(Column::ExpiresAt, Expr::value(now))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::Id.eq(row.id))
            .filter(Column::Status.eq(PENDING))
            .exec(self.db())
            .await;
        match expired {
            Ok(_) => refused,
            Err(e) => db_error(e),
        }
    }

    /// Deletes an object, best effort (logged on failure).
    pub(crate) async fn delete_object(&self, key: &str) {
        if let Err(e) = self.store().delete(key).await {
            tracing::warn!(error = %e, key, "could not delete a stored object");
        }
    }
}
