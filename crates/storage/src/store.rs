//! The object store port.

use crate::body::ByteStream;
use crate::error::StorageError;
use crate::grant::{DownloadGrant, UploadGrant};
use crate::meta::{ObjectMeta, StoredObject};
use crate::presign::PresignedUrl;
use async_trait::async_trait;
use std::time::Duration;

/// Where files live. Every method validates its key (see [`crate::ObjectKey`])
/// and refuses an invalid one with [`StorageError::Invalid`].
#[async_trait]
pub trait ObjectStore: Send + Sync + 'static {
    /// Streams `body` into the object `key`, replacing any previous object.
    /// The object appears only once the whole body has been written; if the body
    /// fails (see [`StorageError::from_body`]) nothing is stored.
    async fn put(
        &self,
        key: &str,
        content_type: &str,
        body: ByteStream,
    ) -> Result<ObjectMeta, StorageError>;

    /// Opens the object for streaming; [`StorageError::NotFound`] when missing.
    async fn get(&self, key: &str) -> Result<StoredObject, StorageError>;

    /// Describes the object, or `None` when it does not exist.
    async fn head(&self, key: &str) -> Result<Option<ObjectMeta>, StorageError>;

    /// Removes the object; removing a missing object succeeds.
    async fn delete(&self, key: &str) -> Result<(), StorageError>;

    /// A URL through which a client can `PUT` the object's bytes directly, valid
    /// for `expires_in` (1 s to [`crate::MAX_PRESIGN_EXPIRY`]). The request must
    /// carry the headers in [`PresignedUrl::required_headers`]: the content type,
    /// `If-None-Match: *` and, when `content_length` is given, exactly that many
    /// bytes. The URL creates the object only while none exists under `key`:
    /// once bytes are stored, further `PUT`s are refused (S3: 412; the local
    /// store: [`StorageError::AlreadyExists`], see `LocalStore::put_new`).
    async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        content_length: Option<u64>,
        expires_in: Duration,
    ) -> Result<PresignedUrl, StorageError> {
        let grant = UploadGrant::new(key, content_type, content_length, expires_in)?;
        let url = self.sign_upload(&grant).await?;
        Ok(grant.into_url(url))
    }

    /// A URL through which a client can `GET` the object, valid for
    /// `expires_in`. With `download_name`, the response asks the browser to save
    /// the file under that name (`Content-Disposition: attachment`).
    async fn presign_get(
        &self,
        key: &str,
        expires_in: Duration,
        download_name: Option<&str>,
    ) -> Result<PresignedUrl, StorageError> {
        let grant = DownloadGrant::new(key, expires_in, download_name)?;
        let url = self.sign_download(&grant).await?;
        Ok(grant.into_url(url))
    }

    /// The URL that carries out a checked upload grant (what `presign_put` hands out).
    async fn sign_upload(&self, grant: &UploadGrant) -> Result<String, StorageError>;

    /// The URL that carries out a checked download grant (what `presign_get` hands out).
    async fn sign_download(&self, grant: &DownloadGrant) -> Result<String, StorageError>;
}
