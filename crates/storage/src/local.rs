//! [`LocalStore`]: objects as files in a directory (the embedded default).
//!
//! Layout under the root: `objects/<key>` holds the content, `meta/<key>.json`
//! the content type, size and SHA-256, and `tmp/` the uploads in progress.
//! A write goes to `tmp/` and is renamed into place when complete, so readers
//! never see a partial object. Validated keys (see [`ObjectKey`]) cannot leave
//! the root.

use crate::body::ByteStream;
use crate::error::StorageError;
use crate::grant::{DownloadGrant, UploadGrant};
use crate::key::ObjectKey;
use crate::meta::{ObjectMeta, StoredObject, check_content_type};
use crate::presign::{BlobMethod, BlobQuery, BlobSigner};
use crate::store::ObjectStore;
use async_trait::async_trait;
use futures_util::StreamExt;
use p2p_kernel::FieldCode;
use p2p_kernel::ports::{HealthProbe, PortError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use tokio::fs;
use tokio::io::AsyncWriteExt;
use tokio_util::io::ReaderStream;

const BACKEND: &str = "files";
const READ_CHUNK: usize = 64 * 1024;
const FALLBACK_CONTENT_TYPE: &str = "application/octet-stream";

/// A store in a local directory. Its presigned URLs point at the server itself
/// (`{public_base}/api/v1/files/blob/{key}?…`), signed with HMAC-SHA256; the
/// HTTP shell checks them with [`LocalStore::verify_signature`].
#[derive(Clone, Debug)]
pub struct LocalStore {
    root: PathBuf,
    signer: BlobSigner,
}

/// The sidecar file next to each object.
#[derive(Serialize, Deserialize)]
struct Sidecar {
    content_type: String,
    size: u64,
    sha256: String,
}

fn backend(error: io::Error) -> StorageError {
    StorageError::backend(BACKEND, error)
}

/// Maps the errors of a key that collides with another key's directory
/// (`a` vs `a/b`: creating a directory where a file is, or renaming a file onto
/// a directory) to a validation error; other errors are backend failures.
fn placement_error(error: io::Error) -> StorageError {
    match error.kind() {
        io::ErrorKind::NotADirectory
        | io::ErrorKind::IsADirectory
        | io::ErrorKind::AlreadyExists => StorageError::invalid(
            "key",
            FieldCode::KeyConflict,
            "the key collides with the path of another object",
        ),
        _ => backend(error),
    }
}

fn is_absent(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

/// Whether a write may replace an existing object.
#[derive(Clone, Copy)]
enum Placement {
    Replace,
    OnlyNew,
}

/// Removes a temporary file when dropped, unless disarmed: an upload that is
/// abandoned half way (error or cancelled future) leaves nothing behind.
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

impl LocalStore {
    /// Opens (creating if needed) a store in `root`. Presigned URLs start with
    /// `public_base` (e.g. `https://app.example.com`) and are signed with
    /// `signing_secret` (at least 32 bytes).
    pub async fn open(
        root: impl Into<PathBuf>,
        public_base: &str,
        signing_secret: &[u8],
    ) -> Result<Self, StorageError> {
        let signer = BlobSigner::new(public_base, signing_secret)?;
        let root = root.into();
        for dir in ["objects", "meta", "tmp"] {
            fs::create_dir_all(root.join(dir)).await.map_err(|e| {
                StorageError::Config(format!("cannot create {}: {e}", root.join(dir).display()))
            })?;
        }
        Ok(Self { root, signer })
    }

    /// The store's directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Checks a presigned local URL: `method` is the HTTP method of the
    /// request, `key` the `{key}` path part, `query` its query string, `now`
    /// the current time. Refuses with [`StorageError::Signature`] (403) when the
    /// signature does not match (constant-time comparison) or has expired, and
    /// with [`StorageError::Invalid`] when the key is invalid.
    pub fn verify_signature(
        &self,
        method: BlobMethod,
        key: &str,
        query: &BlobQuery,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        self.signer
            .verify(method, &ObjectKey::parse(key)?, query, now)
    }

    fn data_path(&self, key: &ObjectKey) -> PathBuf {
        let mut path = self.root.join("objects");
        path.extend(key.segments());
        path
    }

    fn meta_path(&self, key: &ObjectKey) -> PathBuf {
        let mut path = self.root.join("meta");
        path.extend(key.segments());
        path.set_file_name(format!(
            "{}.json",
            key.segments().last().unwrap_or_default()
        ));
        path
    }

    fn temp_file(&self) -> TempFile {
        TempFile {
            path: self
                .root
                .join("tmp")
                .join(format!("{}.part", uuid::Uuid::new_v4().simple())),
            armed: true,
        }
    }

    /// Streams `body` into `temp`; returns the size and SHA-256.
    async fn write_body(
        temp: &TempFile,
        mut body: ByteStream,
    ) -> Result<(u64, String), StorageError> {
        let mut file = fs::File::create(&temp.path).await.map_err(backend)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(StorageError::from_body)?;
            hasher.update(&chunk);
            size += chunk.len() as u64;
            file.write_all(&chunk).await.map_err(backend)?;
        }
        file.flush().await.map_err(backend)?;
        file.sync_all().await.map_err(backend)?;
        Ok((size, hex::encode(hasher.finalize())))
    }

    /// Moves a finished temporary file to `target`, creating its directories.
    async fn install(mut temp: TempFile, target: &Path) -> Result<(), StorageError> {
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).await.map_err(placement_error)?;
        }
        fs::rename(&temp.path, target)
            .await
            .map_err(placement_error)?;
        temp.armed = false;
        Ok(())
    }

    /// Links a finished temporary file to `target` unless something is there
    /// already ([`StorageError::AlreadyExists`]): atomic, so of two concurrent
    /// writers exactly one wins.
    async fn install_new(
        temp: TempFile,
        target: &Path,
        key: &ObjectKey,
    ) -> Result<(), StorageError> {
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).await.map_err(placement_error)?;
        }
        match fs::hard_link(&temp.path, target).await {
            Ok(()) => Ok(()), // `temp` is removed when dropped; the link stays
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && target.is_file() => {
                Err(StorageError::AlreadyExists {
                    key: key.as_str().to_owned(),
                })
            }
            Err(e) => Err(placement_error(e)),
        }
    }

    /// Writes `sidecar` into a temporary file.
    async fn write_sidecar(&self, sidecar: &Sidecar) -> Result<TempFile, StorageError> {
        let meta = self.temp_file();
        let json = serde_json::to_vec(sidecar).map_err(|e| StorageError::backend(BACKEND, e))?;
        fs::write(&meta.path, json).await.map_err(backend)?;
        Ok(meta)
    }

    /// Stores `body` under `key` only if no object is there yet, else
    /// [`StorageError::AlreadyExists`] (checked before the body is read, and
    /// atomically when the object is put in place). This is how the HTTP shell
    /// serves a presigned `PUT`: like an S3 `PUT` with `If-None-Match: *`, an
    /// upload URL stores bytes once and its object never changes afterwards.
    pub async fn put_new(
        &self,
        key: &str,
        content_type: &str,
        body: ByteStream,
    ) -> Result<ObjectMeta, StorageError> {
        self.store(key, content_type, body, Placement::OnlyNew)
            .await
    }

    /// Checks the key and content type (and, for [`Placement::OnlyNew`], that
    /// no object is there yet), then writes the object.
    async fn store(
        &self,
        key: &str,
        content_type: &str,
        body: ByteStream,
        placement: Placement,
    ) -> Result<ObjectMeta, StorageError> {
        let key = ObjectKey::parse(key)?;
        check_content_type(content_type)?;
        if matches!(placement, Placement::OnlyNew) && self.data_path(&key).is_file() {
            return Err(StorageError::AlreadyExists {
                key: key.as_str().to_owned(),
            });
        }
        self.write_object(&key, content_type, body, placement).await
    }

    /// Streams `body` and then its sidecar into temporary files, puts the
    /// content in place, then the sidecar: a reader that sees new content
    /// with an old sidecar notices the size mismatch (see `describe`).
    async fn write_object(
        &self,
        key: &ObjectKey,
        content_type: &str,
        body: ByteStream,
        placement: Placement,
    ) -> Result<ObjectMeta, StorageError> {
        let data = self.temp_file();
        let (size, sha256) = Self::write_body(&data, body).await?;
        let sidecar = Sidecar {
            content_type: content_type.to_owned(),
            size,
            sha256: sha256.clone(),
        };
        let meta = self.write_sidecar(&sidecar).await?;
        let target = self.data_path(key);
        match placement {
            Placement::Replace => Self::install(data, &target).await?,
            Placement::OnlyNew => Self::install_new(data, &target, key).await?,
        }
        Self::install(meta, &self.meta_path(key)).await?;
        Ok(ObjectMeta {
            key: key.as_str().to_owned(),
            size,
            content_type: content_type.to_owned(),
            sha256: Some(sha256),
        })
    }

    async fn read_sidecar(&self, key: &ObjectKey) -> Result<Option<Sidecar>, StorageError> {
        match fs::read(self.meta_path(key)).await {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
            Err(e) if is_absent(&e) => Ok(None),
            Err(e) => Err(backend(e)),
        }
    }

    /// The description of an object whose content has `size` bytes. A sidecar
    /// that disagrees on the size belongs to another write: its type is kept
    /// but its checksum is not trusted.
    async fn describe(&self, key: &ObjectKey, size: u64) -> Result<ObjectMeta, StorageError> {
        let sidecar = self.read_sidecar(key).await?;
        let (content_type, sha256) = match sidecar {
            Some(s) if s.size == size => (s.content_type, Some(s.sha256)),
            Some(s) => (s.content_type, None),
            None => (FALLBACK_CONTENT_TYPE.to_owned(), None),
        };
        Ok(ObjectMeta {
            key: key.as_str().to_owned(),
            size,
            content_type,
            sha256,
        })
    }
}

#[async_trait]
impl ObjectStore for LocalStore {
    async fn put(
        &self,
        key: &str,
        content_type: &str,
        body: ByteStream,
    ) -> Result<ObjectMeta, StorageError> {
        self.store(key, content_type, body, Placement::Replace)
            .await
    }

    async fn get(&self, key: &str) -> Result<StoredObject, StorageError> {
        let key = ObjectKey::parse(key)?;
        let not_found = || StorageError::NotFound {
            key: key.as_str().to_owned(),
        };
        let file = match fs::File::open(self.data_path(&key)).await {
            Ok(file) => file,
            Err(e) if is_absent(&e) => return Err(not_found()),
            Err(e) => return Err(backend(e)),
        };
        let stat = file.metadata().await.map_err(backend)?;
        if !stat.is_file() {
            return Err(not_found());
        }
        let meta = self.describe(&key, stat.len()).await?;
        let body = ReaderStream::with_capacity(file, READ_CHUNK).boxed();
        Ok(StoredObject { meta, body })
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectMeta>, StorageError> {
        let key = ObjectKey::parse(key)?;
        let stat = match fs::metadata(self.data_path(&key)).await {
            Ok(stat) if stat.is_file() => stat,
            Ok(_) => return Ok(None),
            Err(e) if is_absent(&e) => return Ok(None),
            Err(e) => return Err(backend(e)),
        };
        self.describe(&key, stat.len()).await.map(Some)
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let key = ObjectKey::parse(key)?;
        for path in [self.data_path(&key), self.meta_path(&key)] {
            match fs::remove_file(&path).await {
                Ok(()) => {}
                Err(e) if is_absent(&e) || e.kind() == io::ErrorKind::IsADirectory => {}
                Err(e) => return Err(backend(e)),
            }
        }
        Ok(())
    }

    async fn sign_upload(&self, grant: &UploadGrant) -> Result<String, StorageError> {
        let query = BlobQuery {
            method: BlobMethod::Put,
            expires: grant.expires_at().unix_timestamp(),
            content_type: Some(grant.content_type().to_owned()),
            size: grant.content_length(),
            filename: None,
            sig: String::new(),
        };
        self.signer.sign(grant.key(), query)
    }

    async fn sign_download(&self, grant: &DownloadGrant) -> Result<String, StorageError> {
        let query = BlobQuery {
            method: BlobMethod::Get,
            expires: grant.expires_at().unix_timestamp(),
            content_type: None,
            size: None,
            filename: grant.download_name().map(str::to_owned),
            sig: String::new(),
        };
        self.signer.sign(grant.key(), query)
    }
}

#[async_trait]
impl HealthProbe for LocalStore {
    fn name(&self) -> &'static str {
        BACKEND
    }

    /// Writes and removes a probe file in the store's temporary directory.
    async fn check(&self) -> Result<(), PortError> {
        let probe = self.temp_file();
        fs::write(&probe.path, b"ok")
            .await
            .map_err(|e| PortError::new(BACKEND, e))?;
        drop(probe);
        Ok(())
    }
}
