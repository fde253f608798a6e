//! The document store of posts: one record per post or reply, threaded by
//! `parent_id` and ordered by `thread_key`.

pub mod mongo;
pub mod sql;

use crate::types::AttachmentRef;
use async_trait::async_trait;
use p2p_kernel::ids::{OrgId, PostId, TopicId, UserId};
use p2p_kernel::{DayCount, DomainError};
use sea_orm::DatabaseTransaction;
use time::{Date, OffsetDateTime};

/// One post as the store keeps it (without its upvoter set and revisions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostRecord {
    pub id: PostId,
    pub topic_id: TopicId,
    /// The author's organization when the post was written.
    pub organization_id: OrgId,
    pub parent_id: Option<PostId>,
    pub author_id: UserId,
    /// Materialized path: the parent's key followed by this post's segment
    /// (see [`thread_segment`]); sorting by it gives thread order.
    pub thread_key: String,
    pub depth: u32,
    pub content: String,
    pub content_html: String,
    pub attachments: Vec<AttachmentRef>,
    pub mentioned_user_ids: Vec<UserId>,
    pub upvote_count: u64,
    pub is_best_answer: bool,
    pub deleted: bool,
    /// Hidden by a moderator: only its author and moderators see it.
    pub hidden: bool,
    pub revision_count: u32,
    /// `YYYY-MM-DD` (UTC) of `created_at`, for daily statistics.
    pub created_day: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub edited_at: Option<OffsetDateTime>,
}

/// A post's thread-key segment: creation time in milliseconds (12 hex digits)
/// and the id (32 hex digits). Fixed width and hex only, so the byte order of
/// keys is thread order: a parent sorts right before its replies, siblings
/// by creation time, then id.
pub fn thread_segment(id: PostId, created_at: OffsetDateTime) -> String {
    let ms = crate::timefmt::unix_ms(created_at).max(0);
    format!("{:012x}{}", ms, id.0.simple())
}

/// An earlier version of a post.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revision {
    pub content: String,
    /// When this version was replaced.
    pub edited_at: OffsetDateTime,
    pub edited_by: UserId,
}

/// A new version of a post; `previous` is kept as a revision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostEdit {
    pub content: String,
    pub content_html: String,
    pub attachments: Option<Vec<AttachmentRef>>,
    pub mentioned_user_ids: Vec<UserId>,
    pub previous: Revision,
}

/// What replaces a deleted post's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tombstone {
    pub content: String,
    pub content_html: String,
    pub deleted_at: OffsetDateTime,
}

/// A vote's effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VoteState {
    /// Whether this call changed the vote (false when it was already so).
    pub changed: bool,
    pub upvote_count: u64,
}

/// Aggregates of a topic's posts that are not deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TopicStats {
    pub posts: u64,
    pub participants: u64,
    pub upvotes: u64,
    pub last_post_at: Option<OffsetDateTime>,
}

/// Where posts live. Every implementation passes the same contract suite
/// (`tests/forum/store_contract.rs`). Votes must be idempotent and race-free.
#[async_trait]
pub trait PostStore: Send + Sync + 'static {
    /// Stores a new post.
    async fn insert(&self, post: &PostRecord) -> Result<(), DomainError>;

    /// Stores a new post within `txn`, a transaction of the topics' database,
    /// when posts live in that database (true); false, storing nothing, when
    /// they live elsewhere (call [`Self::insert`] after the commit).
    async fn insert_in(
        &self,
        _txn: &DatabaseTransaction,
        _post: &PostRecord,
    ) -> Result<bool, DomainError> {
        Ok(false)
    }

    async fn get(&self, id: PostId) -> Result<Option<PostRecord>, DomainError> {
        Ok(self.get_many(&[id]).await?.into_iter().next())
    }

    /// The posts among `ids` that exist (deleted ones included), in no particular order.
    async fn get_many(&self, ids: &[PostId]) -> Result<Vec<PostRecord>, DomainError>;

    /// Up to `limit` posts of `topic` in thread order whose `thread_key` is
    /// strictly greater than `after`.
    async fn thread_page(
        &self,
        topic: TopicId,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<PostRecord>, DomainError>;

    /// Up to `limit` posts of `author` that are not deleted (hidden ones
    /// included), by id (creation order), with ids strictly after `after`:
    /// what their personal-data export lists.
    async fn by_author(
        &self,
        author: UserId,
        after: Option<PostId>,
        limit: u64,
    ) -> Result<Vec<PostRecord>, DomainError>;

    /// Which of `posts` `user` has upvoted.
    async fn upvoted_by(&self, user: UserId, posts: &[PostId]) -> Result<Vec<PostId>, DomainError>;

    /// Replaces the content of a post that is not deleted and keeps the
    /// previous version. False when there is no such post.
    async fn edit(
        &self,
        id: PostId,
        edit: &PostEdit,
        at: OffsetDateTime,
    ) -> Result<bool, DomainError>;

    /// Hides a post from everyone but its author and moderators, or shows
    /// it again. False when there is no such post.
    async fn set_hidden(&self, id: PostId, hidden: bool) -> Result<bool, DomainError>;

    /// Marks a post deleted, replaces its content by the tombstone, drops its
    /// attachments, mentions, revisions and best-answer flag; the post keeps
    /// its place in the thread. False when there is no such post.
    async fn soft_delete(&self, id: PostId, tombstone: &Tombstone) -> Result<bool, DomainError>;

    /// Adds `user`'s upvote to a post that is not deleted (once, however often
    /// and concurrently called). `None` when there is no such post.
    async fn add_upvote(
        &self,
        id: PostId,
        user: UserId,
        at: OffsetDateTime,
    ) -> Result<Option<VoteState>, DomainError>;

    /// Removes `user`'s upvote. `None` when there is no such post.
    async fn remove_upvote(
        &self,
        id: PostId,
        user: UserId,
    ) -> Result<Option<VoteState>, DomainError>;

    /// Makes `answer` the only post of `topic` flagged as best answer (`None`
    /// clears the flag everywhere in the topic).
    async fn set_best_answer(
        &self,
        topic: TopicId,
        answer: Option<PostId>,
    ) -> Result<(), DomainError>;

    /// The earlier versions of a post, oldest first.
    async fn revisions(&self, id: PostId) -> Result<Vec<Revision>, DomainError>;

    async fn topic_stats(&self, topic: TopicId) -> Result<TopicStats, DomainError>;

    /// The posts of a topic that have attachments.
    async fn posts_with_attachments(&self, topic: TopicId) -> Result<Vec<PostId>, DomainError>;

    /// Removes every post of a topic (with their votes and revisions).
    async fn delete_topic(&self, topic: TopicId) -> Result<u64, DomainError>;

    /// Posts written by members of `org` that everyone sees: not deleted,
    /// not hidden, not in one of the `hidden_topics`.
    async fn count_for_org(
        &self,
        org: OrgId,
        hidden_topics: &[TopicId],
    ) -> Result<u64, DomainError>;

    /// The posts [`Self::count_for_org`] counts, per UTC day of creation,
    /// for days on or after `since`, oldest first (days without any left out).
    async fn daily_for_org(
        &self,
        org: OrgId,
        since: Date,
        hidden_topics: &[TopicId],
    ) -> Result<Vec<DayCount>, DomainError>;
}
