//! Files that belong to content of any domain (use-case media, post and
//! message attachments). The storage crate implements [`Files`]; each domain
//! that owns files implements [`FileAccess`] for its owner kind, and the server
//! registers it, so "who may fetch this file" is decided by the owning domain.
//!
//! Life of a file: uploaded (multipart, or presigned then `PUT`) → *unattached*:
//! only its uploader can fetch or attach it, and it expires → attached to an
//! owner (`attach`) → visible to whoever the owner's [`FileAccess`] allows →
//! detached, or its owner deleted (`release_owner`) → removed by the sweeper.

use crate::actor::Actor;
use crate::error::DomainError;
use crate::ids::FileId;
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An upload body, streamed (the same type as `p2p_storage::ByteStream`).
pub type UploadBody = BoxStream<'static, Result<Bytes, std::io::Error>>;

/// The content a file is attached to: `kind` names the owning domain's content
/// (`"use_case"`, `"forum_post"`, `"message"`...), `id` the content item.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FileOwner {
    pub kind: String,
    pub id: Uuid,
}

impl FileOwner {
    pub fn new(kind: impl Into<String>, id: impl Into<Uuid>) -> Self {
        Self {
            kind: kind.into(),
            id: id.into(),
        }
    }
}

/// A file being uploaded through the server.
pub struct FileUpload {
    /// The client's file name (kept for downloads), if it sent one.
    pub filename: Option<String>,
    /// The declared content type; the first bytes must agree with it.
    pub content_type: Option<String>,
    pub body: UploadBody,
}

/// What a client sees of a stored file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FileInfo {
    pub id: FileId,
    /// `…/api/v1/files/{id}`: redirects whoever may see the file to a short-lived download URL.
    pub url: String,
    pub filename: Option<String>,
    pub content_type: String,
    pub size: u64,
}

/// Stored files, as other domains use them.
#[async_trait]
pub trait Files: Send + Sync + 'static {
    /// Stores an upload for `actor` (content sniffed against the allow-list,
    /// per-kind size limits: 415 / 413). The file is unattached.
    async fn upload(&self, actor: &Actor, upload: FileUpload) -> Result<FileInfo, DomainError>;

    /// Attaches files to `owner`, in the given order. Each must have been
    /// uploaded by `actor` and be unattached or already attached to this very
    /// owner (attaching is idempotent); otherwise 422 with a field error
    /// `files[i]` (`unknown_file`, `not_uploaded`, `already_attached`).
    /// Call it before committing the content that references the files (with
    /// the content's pre-generated id) and `release_owner` if that write fails.
    async fn attach(
        &self,
        actor: &Actor,
        owner: &FileOwner,
        files: &[FileId],
    ) -> Result<Vec<FileInfo>, DomainError>;

    /// Describes files attached to `owner` (unknown or foreign ids are left out).
    async fn describe(
        &self,
        owner: &FileOwner,
        files: &[FileId],
    ) -> Result<Vec<FileInfo>, DomainError>;

    /// Detaches files from `owner` (they are deleted by the sweeper).
    async fn detach(&self, owner: &FileOwner, files: &[FileId]) -> Result<(), DomainError>;

    /// The owner was deleted: all its files are deleted by the sweeper.
    async fn release_owner(&self, owner: &FileOwner) -> Result<(), DomainError>;

    /// The `url` of a file's [`FileInfo`], for content that keeps its own
    /// copy of the file's metadata.
    fn download_url(&self, file: FileId) -> String;
}

/// Implemented by a domain for the files attached to its content.
#[async_trait]
pub trait FileAccess: Send + Sync + 'static {
    /// Whether `actor` may see the content `owner_id` (and so its files).
    /// Content that no longer exists answers `false`.
    async fn can_read(&self, actor: &Actor, owner_id: Uuid) -> Result<bool, DomainError>;
}

/// What file storage holds about a person outside their content (their
/// avatar, their uploads never attached to anything): erased with their
/// account. The storage crate implements it; the identity domain calls it.
#[async_trait]
pub trait PersonalFiles: Send + Sync + 'static {
    /// Deletes `user`'s avatar image `avatar_version` (if any) and the files
    /// they uploaded that are not attached to content.
    async fn erase_person(
        &self,
        user: crate::ids::UserId,
        avatar_version: Option<Uuid>,
    ) -> Result<(), DomainError>;

    /// Deletes one version of `user`'s avatar image, replaced by a newer
    /// one (so that no earlier picture outlives the profile). An absent
    /// version is no error.
    async fn delete_avatar(
        &self,
        user: crate::ids::UserId,
        avatar_version: Uuid,
    ) -> Result<(), DomainError>;
}
