//! Deleting expired files: unattached uploads past their time, files detached
//! from their content, and files of deleted content.

use super::FileService;
use super::entity::{self, Column};
use p2p_kernel::DomainError;
use p2p_kernel::dbtime::db_now;
use p2p_kernel::error::db_error;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::time::Duration;
use tokio::sync::watch;

/// Files handled per sweeper pass.
const SWEEP_BATCH: u64 = 200;

impl FileService {
    /// Deletes up to one batch of expired files (row first, so nothing keeps
    /// pointing at a missing object; then the object). Several instances may
    /// sweep at once: a row is deleted by exactly one of them. Returns how many
    /// files were deleted.
    pub async fn sweep_expired(&self) -> Result<usize, DomainError> {
        let now = db_now();
        let due = entity::Entity::find()
            .filter(Column::ExpiresAt.lte(now))
            .order_by_asc(Column::ExpiresAt)
            .limit(SWEEP_BATCH)
            .all(self.db())
            .await
            .map_err(db_error)?;
        let mut deleted = 0;
        for row in due {
            let gone = entity::Entity::delete_many()
                .filter(Column::Id.eq(row.id))
                .filter(Column::ExpiresAt.lte(now))
                .exec(self.db())
                .await
                .map_err(db_error)?;
            if gone.rows_affected == 0 {
                continue; // attached again meanwhile, or swept by another instance
            }
            if let Err(e) = self.store().delete(&row.storage_key).await {
                tracing::warn!(error = %e, key = row.storage_key, "could not delete an expired object");
            }
            deleted += 1;
        }
        Ok(deleted)
    }
}

/// The background task that sweeps expired files.
pub struct FileSweeper {
    files: FileService,
    interval: Duration,
}

impl FileSweeper {
    pub fn new(files: FileService, interval: Duration) -> Self {
        Self { files, interval }
    }

    /// Sweeps every `interval` (continuing at once while a batch was full)
    /// until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            let mut pause = self.interval;
            match self.files.sweep_expired().await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::debug!(deleted = n, "expired files swept");
                    if n as u64 >= SWEEP_BATCH {
                        pause = Duration::ZERO;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "file sweep failed"),
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
