//! [`Forum`]: the forum's service, behind [`crate::ForumService`].

mod answers;
mod audit;
mod authored;
mod effects;
mod files;
pub(crate) mod hide;
mod notify;
pub(crate) mod posts;
mod replay;
mod stats;
pub(crate) mod topics;
pub(crate) mod votes;

use crate::locks::TopicLocks;
use crate::markdown::{Rendered, render_markdown};
use crate::store::{PostRecord, PostStore};
use crate::timefmt::STORED;
use crate::topic_store::{SqlTopicStore, TopicRecord, TopicStore, TopicWrite};
use crate::trending;
use crate::types::{PostView, TopicView};
pub use effects::{POST_CREATED, TOPIC_CREATED};
pub use files::{ForumFiles, POST_FILES};
pub use hide::{PostTargets, TopicTargets};
use p2p_kernel::ids::{OrgId, PostId, TopicId, UserId};
use p2p_kernel::outbox::events::OutboxLink;
use p2p_kernel::ports::{
    AuditTrail, Clock, EventBus, Files, Notifier, UserDirectory, UserSummary, handle_key,
    summaries_by_id,
};
use p2p_kernel::text::Markdown;
use p2p_kernel::{Actor, DomainError, Event};
pub use replay::{ForumStates, POST_KIND, TOPIC_KIND};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::OwnedMutexGuard;

/// Replies nest at most this deep (a top-level post has depth 0).
pub const MAX_DEPTH: u32 = 15;

/// The forum's implementation of [`crate::ForumService`] (see there for who
/// may do what).
#[derive(Clone)]
pub struct Forum {
    inner: Arc<Inner>,
}

struct Inner {
    topics: Box<dyn TopicStore>,
    posts: Arc<dyn PostStore>,
    events: Arc<dyn EventBus>,
    users: Arc<dyn UserDirectory>,
    clock: Arc<dyn Clock>,
    files: Arc<dyn Files>,
    notifier: std::sync::OnceLock<Arc<dyn Notifier>>,
    audit: std::sync::OnceLock<Arc<dyn AuditTrail>>,
    outbox: std::sync::OnceLock<OutboxLink>,
    markdown: Markdown,
    locks: TopicLocks,
}

/// A write of one topic: its in-process lock (see `locks.rs`) and the
/// store's write (which keeps other server instances out). Dropping it
/// discards what was saved.
pub(crate) struct TopicGuard {
    write: Box<dyn TopicWrite>,
    _local: OwnedMutexGuard<()>,
}

impl TopicGuard {
    /// Saves the topic's editable fields (not its tags).
    pub(crate) async fn save(&mut self, topic: &TopicRecord) -> Result<(), DomainError> {
        self.write.save(topic, false).await
    }

    /// Saves the topic's editable fields and its tags.
    pub(crate) async fn save_with_tags(&mut self, topic: &TopicRecord) -> Result<(), DomainError> {
        self.write.save(topic, true).await
    }

    pub(crate) async fn delete(&mut self) -> Result<(), DomainError> {
        self.write.delete().await
    }

    /// Records an outbox event with this write.
    pub(crate) async fn record_event(
        &mut self,
        stream: &str,
        kind: &str,
        payload: &serde_json::Value,
    ) -> Result<(), DomainError> {
        self.write.record_event(stream, kind, payload).await
    }

    /// Stores a new post with this write when posts live in the topics'
    /// database; false when they do not (store it after the commit).
    pub(crate) async fn insert_post(
        &mut self,
        posts: &dyn PostStore,
        post: &PostRecord,
    ) -> Result<bool, DomainError> {
        self.write.insert_post(posts, post).await
    }

    pub(crate) async fn commit(self) -> Result<(), DomainError> {
        self.write.commit().await
    }
}

impl Forum {
    /// `db` holds the topic tables (run the migrations first); `posts` is
    /// [`crate::MongoPostStore`] or [`crate::SqlPostStore`]; `files` keeps
    /// the posts' attachments (register [`ForumFiles`] with it for
    /// [`POST_FILES`]).
    pub fn new(
        db: DatabaseConnection,
        posts: Arc<dyn PostStore>,
        events: Arc<dyn EventBus>,
        users: Arc<dyn UserDirectory>,
        clock: Arc<dyn Clock>,
        files: Arc<dyn Files>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                topics: Box::new(SqlTopicStore::new(db)),
                posts,
                events,
                users,
                clock,
                files,
                notifier: std::sync::OnceLock::new(),
                audit: std::sync::OnceLock::new(),
                outbox: std::sync::OnceLock::new(),
                markdown: Markdown::default(),
                locks: TopicLocks::default(),
            }),
        }
    }

    /// Posts sanitized and rendered with this policy (by default: no remote
    /// images). Call right after [`Forum::new`].
    pub fn with_markdown(mut self, markdown: Markdown) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.markdown = markdown,
            None => tracing::warn!("the forum's Markdown policy is set after it was shared"),
        }
        self
    }

    fn render(&self, source: &str) -> Rendered {
        render_markdown(&self.inner.markdown, source)
    }

    fn topics(&self) -> &dyn TopicStore {
        self.inner.topics.as_ref()
    }

    fn posts(&self) -> &dyn PostStore {
        self.inner.posts.as_ref()
    }

    /// The current time as the forum stores it (UTC, milliseconds).
    fn now(&self) -> OffsetDateTime {
        STORED.truncate(self.inner.clock.now())
    }

    /// Takes the topic's write lock and reads the topic under it.
    async fn lock_topic(&self, id: TopicId) -> Result<(TopicGuard, TopicRecord), DomainError> {
        let local = self.inner.locks.lock(id).await;
        let (write, topic) = self
            .topics()
            .write(id)
            .await?
            .ok_or_else(|| DomainError::not_found("topic"))?;
        let guard = TopicGuard {
            write,
            _local: local,
        };
        Ok((guard, topic))
    }

    /// The topic, or not found.
    async fn find_topic(&self, id: TopicId) -> Result<TopicRecord, DomainError> {
        self.topics()
            .get(id)
            .await?
            .ok_or_else(|| DomainError::not_found("topic"))
    }

    /// Recomputes the topic's counts, last activity and engagement (the
    /// time-free part of its trending score) from its posts (call it under
    /// the topic's lock).
    async fn refresh_counts(&self, row: &mut TopicRecord) -> Result<(), DomainError> {
        let s = self.posts().topic_stats(row.id).await?;
        let replies = s.posts.saturating_sub(1);
        row.post_count = s.posts;
        row.reply_count = replies;
        row.upvote_count = s.upvotes;
        row.participant_count = s.participants;
        let last = s
            .last_post_at
            .map_or(row.created_at, |t| t.max(row.created_at));
        row.last_activity_at = last;
        row.trending_score = trending::weight(row);
        Ok(())
    }

    /// Summaries of users, by id. A failing directory leaves authors out
    /// rather than failing the read.
    async fn summaries(
        &self,
        ids: impl IntoIterator<Item = UserId>,
    ) -> HashMap<UserId, UserSummary> {
        summaries_by_id(self.inner.users.as_ref(), ids).await
    }

    /// The active users mentioned by `handles` (in order), the actor excluded.
    async fn resolve_mentions(&self, actor: &Actor, handles: &[String]) -> Vec<UserId> {
        if handles.is_empty() {
            return Vec::new();
        }
        let found = match self.inner.users.find_by_handles(handles).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, "user directory failed; mentions not resolved");
                return Vec::new();
            }
        };
        let mut ids = Vec::new();
        for key in handles.iter().map(|h| handle_key(h)) {
            for u in found
                .iter()
                .filter(|u| u.is_active && handle_key(&u.handle) == key && u.id != actor.user_id)
            {
                if !ids.contains(&u.id) {
                    ids.push(u.id);
                }
            }
        }
        ids
    }

    /// Publishes an event after a successful write. Live delivery of these
    /// events is best-effort: a failure is logged and counted by the bus, and
    /// clients that missed the event resync from the replay log or reload.
    async fn publish(&self, channel: String, name: &str, data: &impl Serialize) {
        let event = self.event(channel, name, data);
        if let Ok(event) = event {
            let _ = self.inner.events.publish(event).await;
        }
    }

    /// The event `name` on `channel` with `data`, occurring now.
    fn event(
        &self,
        channel: String,
        name: &str,
        data: &impl Serialize,
    ) -> Result<Event, DomainError> {
        let data = serde_json::to_value(data).map_err(|e| {
            tracing::warn!(error = %e, event = name, "event data not serializable");
            DomainError::internal(e)
        })?;
        let mut event = Event::new(channel, name, data);
        event.occurred_at = self.now();
        Ok(event)
    }
}

pub(crate) fn topic_channel(id: TopicId) -> String {
    format!("topic:{id}")
}

pub(crate) fn topic_view(t: &TopicRecord, users: &HashMap<UserId, UserSummary>) -> TopicView {
    TopicView {
        id: t.id,
        organization_id: t.organization_id,
        author_id: t.author_id,
        author: users.get(&t.author_id).cloned(),
        title: t.title.clone(),
        category: t.category.clone(),
        tags: t.tags.clone(),
        pinned: t.pinned,
        locked: t.locked,
        post_count: t.post_count,
        reply_count: t.reply_count,
        upvote_count: t.upvote_count,
        participant_count: t.participant_count,
        last_activity_at: t.last_activity_at,
        first_post_id: t.first_post_id,
        best_answer_post_id: t.best_answer_post_id,
        excerpt: t.excerpt.clone(),
        created_at: t.created_at,
        updated_at: t.updated_at,
    }
}

/// What a post's view needs to know about its topic. The topic row is the
/// source of truth for the first post and the accepted answer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TopicRefs {
    pub first: PostId,
    pub best: Option<PostId>,
}

impl TopicRefs {
    pub(crate) fn of(row: &TopicRecord) -> Self {
        Self {
            first: row.first_post_id,
            best: row.best_answer_post_id,
        }
    }
}

impl Forum {
    pub(crate) fn post_view(
        &self,
        p: PostRecord,
        users: &HashMap<UserId, UserSummary>,
        upvoted_by_me: bool,
        refs: TopicRefs,
    ) -> PostView {
        PostView {
            id: p.id,
            topic_id: p.topic_id,
            parent_id: p.parent_id,
            depth: p.depth,
            author_id: p.author_id,
            author: users.get(&p.author_id).cloned(),
            is_first_post: refs.first == p.id,
            is_best_answer: answers::is_shown_as_answer(&p, refs),
            content: p.content,
            content_html: p.content_html,
            attachments: self.attachment_views(p.attachments),
            mentioned_user_ids: p.mentioned_user_ids,
            upvote_count: p.upvote_count,
            upvoted_by_me,
            deleted: p.deleted,
            revision_count: p.revision_count,
            created_at: p.created_at,
            updated_at: p.updated_at,
            edited_at: p.edited_at,
        }
    }
}

/// Author of the content, or an admin of `org` (or a platform operator).
pub(crate) fn require_author_or_admin(
    actor: &Actor,
    author: UserId,
    org: OrgId,
) -> Result<(), DomainError> {
    if actor.user_id == author || actor.can_manage_org(org) {
        Ok(())
    } else {
        Err(DomainError::forbidden(
            "only the author or an organization admin may do this",
        ))
    }
}
