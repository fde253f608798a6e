//! The caller's own uploads, for the personal-data export: metadata, what
//! each is attached to, and a short-lived download URL where the caller may
//! still fetch it.

use super::FileManager;
use super::entity::{self, Column, READY};
use p2p_kernel::ids::FileId;
use p2p_kernel::persistence::{db_error, db_now, stored};
use p2p_kernel::{Actor, DomainError, Page, PageRequest};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// The content a file is attached to.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct FileAttachment {
    /// `forum_post`, `message`, `use_case`…
    pub kind: String,
    pub id: Uuid,
}

/// A file the caller uploaded.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct OwnFile {
    pub id: FileId,
    pub filename: Option<String>,
    pub content_type: String,
    pub size: u64,
    pub sha256: Option<String>,
    /// `{public_url}/api/v1/files/{id}`: answers with the current download URL.
    pub url: String,
    /// Absent while the file is not attached to anything.
    pub attached_to: Option<FileAttachment>,
    /// A short-lived URL of the bytes; absent when the caller may no longer
    /// fetch them (the content it was attached to is gone) or they were never
    /// uploaded (an unfinished presigned upload).
    pub download_url: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub download_expires_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl FileManager {
    /// The files `actor` uploaded that still exist, oldest first, keyset-paged by id.
    pub async fn list_own(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<OwnFile>, DomainError> {
        let after: Option<Uuid> = page.position()?;
        let mut query = entity::Entity::find()
            .filter(Column::UploaderId.eq(actor.user_id.0))
            .filter(
                Condition::any()
                    .add(Column::ExpiresAt.is_null())
                    .add(Column::ExpiresAt.gt(db_now())),
            );
        if let Some(after) = after {
            query = query.filter(Column::Id.gt(after));
        }
        let rows = query
            .order_by_asc(Column::Id)
            .limit(page.fetch_limit())
            .all(self.db())
            .await
            .map_err(db_error)?;
        let mut files = Vec::with_capacity(rows.len());
        for row in rows {
            let link = if row.status == READY && self.may_read(actor, &row).await? {
                Some(self.link(&row).await?)
            } else {
                None
            };
            files.push(OwnFile {
                id: FileId(row.id),
                url: self.download_url(FileId(row.id)),
                filename: row.filename,
                content_type: row.content_type,
                size: stored("file size", row.size)?,
                sha256: row.sha256,
                attached_to: row
                    .owner_kind
                    .zip(row.owner_id)
                    .map(|(kind, id)| FileAttachment { kind, id }),
                download_url: link.as_ref().map(|l| l.url.clone()),
                download_expires_at: link.map(|l| l.expires_at),
                created_at: row.created_at,
            });
        }
        Ok(Page::from_rows(files, &page, |f| f.id.0))
    }
}
