//! The `files` table.

use sea_orm::entity::prelude::*;

/// Bytes announced by a presign, not yet checked.
pub(crate) const PENDING: &str = "pending";
/// Bytes stored and checked against the content policy.
pub(crate) const READY: &str = "ready";

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "files")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub storage_key: String,
    pub uploader_id: Uuid,
    pub organization_id: Uuid,
    pub filename: Option<String>,
    pub content_type: String,
    pub size: i64,
    pub sha256: Option<String>,
    pub status: String,
    pub owner_kind: Option<String>,
    pub owner_id: Option<Uuid>,
    pub position: i32,
    pub expires_at: Option<TimeDateTimeWithTimeZone>,
    /// A presigned upload: when its URL stops working. Until then the staging
    /// object (`uploads/<org>/<id>`) stays, so the URL keeps refusing a second
    /// `PUT`; then the sweeper deletes it and clears this.
    pub upload_expires_at: Option<TimeDateTimeWithTimeZone>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
