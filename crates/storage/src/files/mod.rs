//! The files service: uploads (multipart through the server, or presigned
//! straight to the store), metadata in the relational database (uploader,
//! owner, size, type, SHA-256), downloads by short-lived URL for whoever may
//! see the owning content, avatars, and the sweeper that deletes expired
//! files. The HTTP shell calls it through [`FileService`] ([`FileManager`]).
//!
//! It implements the kernel's [`p2p_kernel::ports::Files`] port that other
//! domains use to attach files to their content; each owning domain registers
//! a [`FileAccess`] for its owner kind ([`FileManager::register_access`]).

mod api;
mod attach;
mod avatar;
mod download;
pub(crate) mod entity;
mod erase;
mod errors;
mod mine;
mod presign;
mod sweep;
mod upload;

use crate::policy::UploadPolicy;
use crate::store::ObjectStore;
use entity::Model;
use p2p_kernel::DomainError;
use p2p_kernel::ids::FileId;
use p2p_kernel::persistence::stored;
use p2p_kernel::ports::{FileAccess, FileInfo};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

pub use api::FileService;
pub use avatar::{AVATAR_MAX_BYTES, StoredAvatar};
pub use download::DownloadLink;
pub use mine::{FileAttachment, OwnFile};
pub use presign::{PresignRequest, PresignedUpload, REQUEST_CONSTRAINTS};
pub use sweep::FileSweeper;

/// Settings of the files service.
#[derive(Clone, Debug)]
pub struct FilesConfig {
    /// Base of the `url` given for each file (`{public_url}/api/v1/files/{id}`).
    pub public_url: String,
    /// What may be uploaded.
    pub policy: UploadPolicy,
    /// How long an unattached upload lives before the sweeper deletes it.
    pub unattached_ttl: Duration,
    /// Validity of a presigned upload URL.
    pub presign_ttl: Duration,
    /// Validity of a download URL.
    pub download_ttl: Duration,
}

impl FilesConfig {
    pub fn new(public_url: impl Into<String>) -> Self {
        Self {
            public_url: public_url.into().trim_end_matches('/').to_owned(),
            policy: UploadPolicy::default(),
            unattached_ttl: Duration::from_secs(24 * 3600),
            presign_ttl: Duration::from_secs(15 * 60),
            download_ttl: Duration::from_secs(5 * 60),
        }
    }
}

/// Stored files and who may fetch them. Cheap to clone.
#[derive(Clone)]
pub struct FileManager {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    store: Arc<dyn ObjectStore>,
    config: FilesConfig,
    access: RwLock<HashMap<String, Arc<dyn FileAccess>>>,
}

impl FileManager {
    pub fn new(db: DatabaseConnection, store: Arc<dyn ObjectStore>, config: FilesConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                store,
                config,
                access: RwLock::new(HashMap::new()),
            }),
        }
    }

    /// Decides who may fetch the files attached to content of `owner_kind`.
    /// Files of a kind nobody registered are visible to no one.
    pub fn register_access(&self, owner_kind: &str, access: Arc<dyn FileAccess>) {
        if let Ok(mut map) = self.inner.access.write() {
            map.insert(owner_kind.to_owned(), access);
        }
    }

    fn access_for(&self, owner_kind: &str) -> Option<Arc<dyn FileAccess>> {
        self.inner
            .access
            .read()
            .ok()
            .and_then(|map| map.get(owner_kind).cloned())
    }

    fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    fn store(&self) -> &dyn ObjectStore {
        self.inner.store.as_ref()
    }

    fn config(&self) -> &FilesConfig {
        &self.inner.config
    }

    /// `{public_url}/api/v1/files/{id}`.
    pub fn download_url(&self, id: FileId) -> String {
        format!("{}/api/v1/files/{}", self.config().public_url, id.0)
    }

    fn info(&self, row: &Model) -> Result<FileInfo, DomainError> {
        Ok(FileInfo {
            id: FileId(row.id),
            url: self.download_url(FileId(row.id)),
            filename: row.filename.clone(),
            content_type: row.content_type.clone(),
            size: stored("file size", row.size)?,
        })
    }
}

/// `files/<org>/<id>`: the object of a file uploaded through the server; a
/// presigned upload's checked copy adds a suffix (see `presign`).
fn storage_key(org: uuid::Uuid, id: uuid::Uuid) -> String {
    format!("files/{org}/{id}")
}

/// `uploads/<org>/<id>`: where a presigned upload URL writes (staging).
fn upload_key(org: uuid::Uuid, id: uuid::Uuid) -> String {
    format!("uploads/{org}/{id}")
}

/// A client file name made safe to keep and to send back in a download:
/// the last path segment, without control characters or markup, at most
/// 255 characters.
fn clean_filename(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last.chars().filter(|c| !c.is_control()).take(255).collect();
    let clean = p2p_kernel::text::defuse_name(clean.trim()).into_owned();
    (!clean.is_empty()).then_some(clean)
}

#[cfg(test)]
mod tests {
    use super::clean_filename;

    #[test]
    fn filenames_lose_paths_and_control_characters() {
        assert_eq!(
            clean_filename("../../etc/passwd").as_deref(),
            Some("passwd")
        );
        assert_eq!(
            clean_filename("C:\\x\\report.pdf").as_deref(),
            Some("report.pdf")
        );
        assert_eq!(clean_filename("a\u{0}b\nc.png").as_deref(), Some("abc.png"));
        assert_eq!(clean_filename("  "), None);
        assert_eq!(
            clean_filename("<svg onload=alert(1)>.png").as_deref(),
            Some("_svg onload=alert(1)_.png")
        );
        assert_eq!(clean_filename(&"x".repeat(400)).map(|s| s.len()), Some(255));
    }

    /// The document's pattern for a presigned file name takes exactly the
    /// names that keep something once cleaned.
    #[test]
    fn the_file_name_pattern_is_what_cleaning_keeps() {
        let pattern = regex::Regex::new(&p2p_kernel::text::patterns::file_name());
        let Ok(pattern) = pattern else {
            panic!("{pattern:?}");
        };
        let alphabet = [
            'a', ' ', '/', '\\', '\n', '\u{0}', '\u{85}', '\u{3000}', '<',
        ];
        let mut names = vec![String::new()];
        let mut last = names.clone();
        for _ in 0..4 {
            last = last
                .iter()
                .flat_map(|name| alphabet.iter().map(move |c| format!("{name}{c}")))
                .collect();
            names.extend(last.iter().cloned());
        }
        for name in &names {
            assert_eq!(
                pattern.is_match(name),
                clean_filename(name).is_some(),
                "{name:?}"
            );
        }
    }
}
