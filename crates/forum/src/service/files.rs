//! Post attachments, kept by the files port: a post's files are owned by
//! `forum_post:<post id>` and readable by whoever may read the post (every
//! signed-in user, while the post and its topic exist).

use super::Forum;
use crate::types::AttachmentRef;
use async_trait::async_trait;
use p2p_kernel::ids::{FileId, PostId};
use p2p_kernel::ports::{FileAccess, FileInfo, FileOwner};
use p2p_kernel::{Actor, DomainError};
use uuid::Uuid;

/// The owner kind of post attachments in the files port.
pub const POST_FILES: &str = "forum_post";

pub(crate) fn post_owner(id: PostId) -> FileOwner {
    FileOwner::new(POST_FILES, id.0)
}

impl Forum {
    /// Attaches the caller's uploads to a post about to be written (call
    /// [`Self::release_post_files`] if that write fails). Errors name the
    /// files as `attachments[i]`.
    pub(crate) async fn attach_files(
        &self,
        actor: &Actor,
        post: PostId,
        files: &[FileId],
    ) -> Result<Vec<AttachmentRef>, DomainError> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let attached = self
            .inner
            .files
            .attach(actor, &post_owner(post), files)
            .await
            .map_err(|e| e.rename_fields("files", "attachments"))?;
        Ok(attached
            .into_iter()
            .map(|f| AttachmentRef {
                file_id: f.id,
                filename: f.filename.unwrap_or_default(),
                content_type: f.content_type,
                size: f.size,
            })
            .collect())
    }

    /// The post is gone (or its write failed): its files go with it.
    pub(crate) async fn release_post_files(&self, post: PostId) {
        if let Err(e) = self.inner.files.release_owner(&post_owner(post)).await {
            tracing::warn!(error = %e, %post, "post attachments left attached");
        }
    }

    /// Files an edit dropped from a post.
    pub(crate) async fn detach_files(&self, post: PostId, dropped: &[FileId]) {
        if dropped.is_empty() {
            return;
        }
        if let Err(e) = self.inner.files.detach(&post_owner(post), dropped).await {
            tracing::warn!(error = %e, %post, "dropped attachments left attached");
        }
    }

    /// A deleted topic's posts take their files with them.
    pub(crate) async fn release_posts_files(&self, posts: &[PostId]) {
        for post in posts {
            self.release_post_files(*post).await;
        }
    }

    pub(crate) fn attachment_views(&self, stored: Vec<AttachmentRef>) -> Vec<FileInfo> {
        stored
            .into_iter()
            .map(|a| FileInfo {
                url: self.inner.files.download_url(a.file_id),
                id: a.file_id,
                filename: Some(a.filename).filter(|n| !n.is_empty()),
                content_type: a.content_type,
                size: a.size,
            })
            .collect()
    }
}

/// Who may fetch a post's attachments: any signed-in user while the post
/// (not deleted) and its topic exist.
pub struct ForumFiles(pub Forum);

#[async_trait]
impl FileAccess for ForumFiles {
    async fn can_read(&self, _actor: &Actor, owner_id: Uuid) -> Result<bool, DomainError> {
        let Some(post) = self.0.posts().get(PostId(owner_id)).await? else {
            return Ok(false);
        };
        if post.deleted {
            return Ok(false);
        }
        self.0.topics().exists(post.topic_id).await
    }
}
