//! Downloads: a short-lived URL for whoever may see the file.

use super::FileManager;
use super::entity::{self, Model};
use super::errors::storage_error;
use p2p_kernel::ids::FileId;
use p2p_kernel::persistence::db_error;
use p2p_kernel::persistence::db_now;
use p2p_kernel::{Actor, DomainError};
use sea_orm::EntityTrait;
use time::OffsetDateTime;

/// Where to fetch a file's bytes.
#[derive(Clone, Debug)]
pub struct DownloadLink {
    pub url: String,
    pub expires_at: OffsetDateTime,
}

impl FileManager {
    /// A download URL of the file when `actor` may see it: its uploader while
    /// it is unattached; once attached, whoever the owning domain's
    /// [`p2p_kernel::ports::FileAccess`] allows (and platform operators).
    /// Anyone else gets 404, as if the file did not exist.
    pub async fn download(&self, actor: &Actor, id: FileId) -> Result<DownloadLink, DomainError> {
        let not_found = || DomainError::not_found("file");
        let row = entity::Entity::find_by_id(id.0)
            .one(self.db())
            .await
            .map_err(db_error)?
            .ok_or_else(not_found)?;
        if !self.may_read(actor, &row).await? {
            return Err(not_found());
        }
        let row = self.ensure_ready(row).await?;
        self.link(&row).await
    }

    /// A short-lived URL of a stored file's bytes (nobody's access checked).
    pub(super) async fn link(&self, row: &Model) -> Result<DownloadLink, DomainError> {
        let link = self
            .store()
            .presign_get(
                &row.storage_key,
                self.config().download_ttl,
                row.filename.as_deref(),
            )
            .await
            .map_err(storage_error)?;
        Ok(DownloadLink {
            url: link.url,
            expires_at: link.expires_at,
        })
    }

    pub(super) async fn may_read(&self, actor: &Actor, row: &Model) -> Result<bool, DomainError> {
        match (&row.owner_kind, row.owner_id) {
            // Detached, or its owner deleted: waiting for the sweeper, gone for everyone.
            (Some(_), Some(_)) if row.expires_at.is_some() => Ok(false),
            (Some(kind), Some(owner)) => {
                if actor.is_superuser {
                    return Ok(true);
                }
                match self.access_for(kind) {
                    Some(access) => access.can_read(actor, owner).await,
                    None => {
                        tracing::warn!(kind, "no file access registered for this owner kind");
                        Ok(false)
                    }
                }
            }
            _ => {
                let live = row.expires_at.is_none_or(|at| at > db_now());
                Ok(live && row.uploader_id == actor.user_id.0)
            }
        }
    }
}
