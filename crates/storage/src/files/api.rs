//! [`FileService`]: what the HTTP shell and the sweeper call, implemented by
//! [`FileManager`]. The server holds it as `Arc<dyn FileService>`.

use super::FileManager;
use super::avatar::StoredAvatar;
use super::download::DownloadLink;
use super::mine::OwnFile;
use super::presign::{PresignRequest, PresignedUpload};
use async_trait::async_trait;
use p2p_kernel::ids::FileId;
use p2p_kernel::ports::{FileInfo, FileUpload};
use p2p_kernel::{Actor, DomainError, Page, PageRequest};
use uuid::Uuid;

/// Stored files: uploads, presigned uploads, downloads, avatars, expiry.
#[async_trait]
pub trait FileService: Send + Sync {
    /// Stores an upload streamed through the server (type 415 / size 413 checked).
    async fn upload(&self, actor: &Actor, upload: FileUpload) -> Result<FileInfo, DomainError>;

    /// Announces an upload and presigns its one `PUT` straight to the store.
    async fn presign(
        &self,
        actor: &Actor,
        request: PresignRequest,
    ) -> Result<PresignedUpload, DomainError>;

    /// A short-lived download URL when `actor` may see the file (404 otherwise).
    async fn download(&self, actor: &Actor, id: FileId) -> Result<DownloadLink, DomainError>;

    /// The files `actor` uploaded that still exist, with download URLs where
    /// `actor` may fetch them (oldest first, paginated).
    async fn list_own(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<OwnFile>, DomainError>;

    /// Stores a new avatar image of `actor` and gives the URL its profile keeps.
    async fn store_avatar(
        &self,
        actor: &Actor,
        upload: FileUpload,
    ) -> Result<StoredAvatar, DomainError>;

    /// A short-lived download URL of a user's avatar version (404 when missing).
    async fn avatar_url(&self, user: Uuid, version: Uuid) -> Result<String, DomainError>;

    /// Deletes one batch of expired files; how many.
    async fn sweep_expired(&self) -> Result<usize, DomainError>;

    /// Deletes one batch of expired presigned-upload staging objects; how many.
    async fn sweep_staging(&self) -> Result<usize, DomainError>;
}

#[async_trait]
impl FileService for FileManager {
    async fn upload(&self, actor: &Actor, upload: FileUpload) -> Result<FileInfo, DomainError> {
        FileManager::upload(self, actor, upload).await
    }

    async fn presign(
        &self,
        actor: &Actor,
        request: PresignRequest,
    ) -> Result<PresignedUpload, DomainError> {
        FileManager::presign(self, actor, request).await
    }

    async fn download(&self, actor: &Actor, id: FileId) -> Result<DownloadLink, DomainError> {
        FileManager::download(self, actor, id).await
    }

    async fn list_own(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<OwnFile>, DomainError> {
        FileManager::list_own(self, actor, page).await
    }

    async fn store_avatar(
        &self,
        actor: &Actor,
        upload: FileUpload,
    ) -> Result<StoredAvatar, DomainError> {
        FileManager::store_avatar(self, actor, upload).await
    }

    async fn avatar_url(&self, user: Uuid, version: Uuid) -> Result<String, DomainError> {
        FileManager::avatar_url(self, user, version).await
    }

    async fn sweep_expired(&self) -> Result<usize, DomainError> {
        FileManager::sweep_expired(self).await
    }

    async fn sweep_staging(&self) -> Result<usize, DomainError> {
        FileManager::sweep_staging(self).await
    }
}
