//! Deleting expired files: unattached uploads past their time, files detached
//! from their content, and files of deleted content; and the staging objects
//! of presigned uploads once their URL has expired.

use super::entity::{self, Column, READY};
use super::{FileManager, FileService, upload_key};
use p2p_kernel::DomainError;
use p2p_kernel::persistence::db_error;
use p2p_kernel::persistence::db_now;
use sea_orm::sea_query::{Expr, Value};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Files handled per sweeper pass.
const SWEEP_BATCH: u64 = 200;

impl FileManager {
    /// Deletes up to one batch of expired files (row first, so nothing keeps
    /// pointing at a missing object; then the object). A presigned upload is
    /// kept until its URL has expired too (its staging object keeps the URL
    /// from storing anything). Several instances may sweep at once: a row is
    /// deleted by exactly one of them. Returns how many files were deleted.
    pub async fn sweep_expired(&self) -> Result<usize, DomainError> {
        let now = db_now();
        let due = || {
            Condition::all().add(Column::ExpiresAt.lte(now)).add(
                Condition::any()
                    .add(Column::UploadExpiresAt.is_null())
                    .add(Column::UploadExpiresAt.lte(now)),
            )
        };
        let rows = entity::Entity::find()
            .filter(due())
            .order_by_asc(Column::ExpiresAt)
            .limit(SWEEP_BATCH)
            .all(self.db())
            .await
            .map_err(db_error)?;
        let mut deleted = 0;
        for row in rows {
            let gone = entity::Entity::delete_many()
                .filter(Column::Id.eq(row.id))
                .filter(due())
                .exec(self.db())
                .await
                .map_err(db_error)?;
            if gone.rows_affected == 0 {
                continue; // attached again meanwhile, or swept by another instance
            }
            self.delete_object(&row.storage_key).await;
            let staging = upload_key(row.organization_id, row.id);
            if row.upload_expires_at.is_some() && staging != row.storage_key {
                self.delete_object(&staging).await;
            }
            deleted += 1;
        }
        Ok(deleted)
    }

    /// Deletes up to one batch of staging objects of checked presigned uploads
    /// whose URL has expired (the file's own object stays). Returns how many.
    pub async fn sweep_staging(&self) -> Result<usize, DomainError> {
        let now = db_now();
        let rows = entity::Entity::find()
            .filter(Column::UploadExpiresAt.lte(now))
            .filter(Column::Status.eq(READY))
            .order_by_asc(Column::UploadExpiresAt)
            .limit(SWEEP_BATCH)
            .all(self.db())
            .await
            .map_err(db_error)?;
        for row in &rows {
            self.delete_object(&upload_key(row.organization_id, row.id))
                .await;
            entity::Entity::update_many()
                .col_expr(
                    Column::UploadExpiresAt,
                    Expr::value(Value::TimeDateTimeWithTimeZone(None)),
                )
                .filter(Column::Id.eq(row.id))
                .filter(Column::UploadExpiresAt.eq(row.upload_expires_at))
                .exec(self.db())
                .await
                .map_err(db_error)?;
        }
        Ok(rows.len())
    }
}

/// The background task that sweeps expired files.
pub struct FileSweeper {
    files: Arc<dyn FileService>,
    interval: Duration,
}

impl FileSweeper {
    pub fn new(files: Arc<dyn FileService>, interval: Duration) -> Self {
        Self { files, interval }
    }

    /// Sweeps every `interval` (continuing at once while a batch was full)
    /// until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            let mut pause = self.interval;
            let passes = [
                ("expired files", self.files.sweep_expired().await),
                ("upload staging objects", self.files.sweep_staging().await),
            ];
            for (what, swept) in passes {
                match swept {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::debug!(deleted = n, what, "swept");
                        if n as u64 >= SWEEP_BATCH {
                            pause = Duration::ZERO;
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, what, "file sweep failed"),
                }
            }
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                return;
            }
        }
    }
}
