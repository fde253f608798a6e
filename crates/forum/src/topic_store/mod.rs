//! Where topics live: the [`TopicStore`] port and its relational
//! implementation ([`SqlTopicStore`], tables `forum_topics` and
//! `forum_topic_tags`). The service sees [`TopicRecord`]s only.

mod entity;
mod list;
mod sql;

use crate::store::{PostRecord, PostStore};
use crate::types::TopicSort;
use async_trait::async_trait;
pub(crate) use list::TopicCursor;
use p2p_kernel::ids::{OrgId, PostId, TopicId, UserId};
use p2p_kernel::outbox::events::NewEvent;
use p2p_kernel::ports::HiddenFilter;
use p2p_kernel::{DayCount, DomainError};
pub(crate) use sql::SqlTopicStore;
use time::{Date, OffsetDateTime};

/// One topic as the store keeps it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TopicRecord {
    pub id: TopicId,
    pub organization_id: OrgId,
    pub author_id: UserId,
    pub title: String,
    pub category: Option<String>,
    /// Lower-cased category, what the category filter compares.
    pub category_key: Option<String>,
    /// In the order given.
    pub tags: Vec<String>,
    pub pinned: bool,
    pub locked: bool,
    /// Hidden by a moderator: only its author and moderators see it.
    pub hidden: bool,
    pub post_count: u64,
    pub reply_count: u64,
    pub upvote_count: u64,
    pub participant_count: u64,
    /// The engagement part of the trending score (`crate::trending`);
    /// lists rank by the whole formula when read.
    pub trending_score: f64,
    pub last_activity_at: OffsetDateTime,
    pub first_post_id: PostId,
    pub best_answer_post_id: Option<PostId>,
    pub excerpt: String,
    /// Lower-case title and first-post text, what `q` matches.
    pub search_text: String,
    /// `YYYY-MM-DD` (UTC) of `created_at`, for daily statistics.
    pub created_day: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// What a topic list is filtered by (already normalized).
#[derive(Clone, Debug, Default)]
pub(crate) struct TopicQuery {
    pub category_key: Option<String>,
    pub tag: Option<String>,
    pub author: Option<UserId>,
    pub words: Vec<String>,
    pub sort: TopicSort,
    /// Which hidden topics the viewer sees.
    pub hidden: HiddenFilter,
}

/// Where topics live.
#[async_trait]
pub(crate) trait TopicStore: Send + Sync + 'static {
    async fn get(&self, id: TopicId) -> Result<Option<TopicRecord>, DomainError>;

    /// The topics among `ids` that exist, in no particular order.
    async fn get_many(&self, ids: &[TopicId]) -> Result<Vec<TopicRecord>, DomainError>;

    async fn exists(&self, id: TopicId) -> Result<bool, DomainError>;

    /// Stores a new topic with its tags and its first post, and records
    /// `event` (`p2p_kernel::outbox::events`) with them: one commit when
    /// `posts` keeps posts in the topics' database; otherwise the post is
    /// stored before the topic commits (a topic is never visible without its
    /// first post; after a failure the caller deletes what may be left).
    async fn create(
        &self,
        topic: &TopicRecord,
        posts: &dyn PostStore,
        first: &PostRecord,
        event: Option<&NewEvent>,
    ) -> Result<(), DomainError>;

    /// Listed topics (this, [`Self::trending_candidates`] and
    /// [`Self::quiet_topics`]) come without their `search_text` (empty):
    /// they are for showing, never for saving back.
    ///
    /// Up to `limit` topics matching `query` in its sort order (pinned
    /// first), strictly after `cursor` (`invalid_cursor` for a cursor of
    /// another sort). Not for `trending` (see [`Self::trending_candidates`]).
    async fn list(
        &self,
        query: &TopicQuery,
        cursor: Option<&TopicCursor>,
        limit: u64,
    ) -> Result<Vec<TopicRecord>, DomainError>;

    /// Every topic of `query` with some engagement (a reply, an upvote or a
    /// second participant) whose latest activity is at or after `since`:
    /// the candidates of a trending list (`crate::trending`).
    async fn trending_candidates(
        &self,
        query: &TopicQuery,
        since: OffsetDateTime,
    ) -> Result<Vec<TopicRecord>, DomainError>;

    /// Up to `limit` of the other topics of `query` (no engagement, or no
    /// activity since `since`) that are `pinned` or not, by id descending,
    /// with ids below `before`: the part of a trending list that scores 0.
    async fn quiet_topics(
        &self,
        query: &TopicQuery,
        since: OffsetDateTime,
        pinned: bool,
        before: Option<TopicId>,
        limit: u64,
    ) -> Result<Vec<TopicRecord>, DomainError>;

    /// Topics opened by members of `org` that everyone sees (not hidden).
    async fn count_for_org(&self, org: OrgId) -> Result<u64, DomainError>;

    /// The topics [`Self::count_for_org`] counts, per UTC day of creation,
    /// for days on or after `since`, oldest first (days without any left out).
    async fn daily_for_org(&self, org: OrgId, since: Date) -> Result<Vec<DayCount>, DomainError>;

    /// Every hidden topic (moderation hides few): their posts leave the
    /// organization statistics with them.
    async fn hidden_ids(&self) -> Result<Vec<TopicId>, DomainError>;

    /// Starts a write of the topic and reads it: until the write is committed
    /// or dropped, no other server instance writes the topic (PostgreSQL:
    /// the row stays locked, `SELECT … FOR UPDATE`). `None` when there is no
    /// such topic. In-process writers are serialized by the service.
    async fn write(
        &self,
        id: TopicId,
    ) -> Result<Option<(Box<dyn TopicWrite>, TopicRecord)>, DomainError>;
}

/// A write of one topic begun by [`TopicStore::write`]; dropping it without
/// [`TopicWrite::commit`] discards what it saved.
#[async_trait]
pub(crate) trait TopicWrite: Send {
    /// Writes the editable fields of the topic (title, category, flags,
    /// counts, texts, best answer, and the tags when `tags_changed`).
    async fn save(&mut self, topic: &TopicRecord, tags_changed: bool) -> Result<(), DomainError>;

    /// Removes the topic and its tags.
    async fn delete(&mut self) -> Result<(), DomainError>;

    /// Records an outbox event (`p2p_kernel::outbox::events`) with this write.
    async fn record_event(
        &mut self,
        stream: &str,
        kind: &str,
        payload: &serde_json::Value,
    ) -> Result<(), DomainError>;

    /// Stores a new post with this write when `posts` keeps posts in the
    /// topics' database (true); false when they live elsewhere
    /// ([`PostStore::insert_in`]).
    async fn insert_post(
        &mut self,
        posts: &dyn PostStore,
        post: &PostRecord,
    ) -> Result<bool, DomainError>;

    async fn commit(self: Box<Self>) -> Result<(), DomainError>;
}
