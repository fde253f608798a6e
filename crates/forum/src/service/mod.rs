//! [`Forum`]: the forum's service, behind [`crate::ForumService`].

mod files;
mod notify;
pub(crate) mod posts;
mod replay;
mod stats;
pub(crate) mod topics;
pub(crate) mod votes;

use crate::locks::TopicLocks;
use crate::markdown::{Rendered, render_markdown};
use crate::repo::{self, TopicRow};
use crate::store::{PostRecord, PostStore};
use crate::timefmt::STORED;
use crate::trending;
use crate::types::{PostView, TopicView};
pub use files::{ForumFiles, POST_FILES};
use p2p_kernel::ids::{OrgId, PostId, TopicId, UserId};
use p2p_kernel::persistence::begin_write;
use p2p_kernel::persistence::db_error;
use p2p_kernel::ports::{Clock, EventBus, Files, Notifier, UserDirectory, UserSummary};
use p2p_kernel::text::Markdown;
use p2p_kernel::{Actor, DomainError, Event};
pub use replay::{ForumStates, POST_KIND, TOPIC_KIND};
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbBackend};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::{OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

/// Replies nest at most this deep (a top-level post has depth 0).
pub const MAX_DEPTH: u32 = 15;

/// The forum's implementation of [`crate::ForumService`] (see there for who
/// may do what).
#[derive(Clone)]
pub struct Forum {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    posts: Arc<dyn PostStore>,
    events: Arc<dyn EventBus>,
    users: Arc<dyn UserDirectory>,
    clock: Arc<dyn Clock>,
    files: Arc<dyn Files>,
    notifier: std::sync::OnceLock<Arc<dyn Notifier>>,
    markdown: Markdown,
    locks: TopicLocks,
    /// Bounds the PostgreSQL connections held by topic locks to half the pool,
    /// so that post-store work inside a lock always finds a connection.
    lock_connections: Arc<Semaphore>,
}

/// Holds a topic's write lock (see `locks.rs`) and, on PostgreSQL, the
/// transaction holding its row lock. Dropping it rolls back.
pub(crate) struct TopicGuard {
    txn: Option<DatabaseTransaction>,
    _connection: Option<OwnedSemaphorePermit>,
    _local: OwnedMutexGuard<()>,
}

impl TopicGuard {
    /// The transaction the topic's relational writes go into. On SQLite it is
    /// begun here, after the post-store work (which may need the write lock).
    pub(crate) async fn txn(
        &mut self,
        db: &DatabaseConnection,
    ) -> Result<&DatabaseTransaction, DomainError> {
        if self.txn.is_none() {
            self.txn = Some(begin_write(db).await?);
        }
        self.txn
            .as_ref()
            .ok_or_else(|| DomainError::internal(std::io::Error::other("no transaction")))
    }

    pub(crate) async fn commit(self) -> Result<(), DomainError> {
        match self.txn {
            Some(txn) => txn.commit().await.map_err(db_error),
            None => Ok(()),
        }
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
        let lock_connections = if db.get_database_backend() == DbBackend::Postgres {
            let pool = db
                .get_postgres_connection_pool()
                .options()
                .get_max_connections();
            usize::try_from(pool / 2).unwrap_or(1).max(1)
        } else {
            1
        };
        Self {
            inner: Arc::new(Inner {
                db,
                posts,
                events,
                users,
                clock,
                files,
                notifier: std::sync::OnceLock::new(),
                markdown: Markdown::default(),
                locks: TopicLocks::default(),
                lock_connections: Arc::new(Semaphore::new(lock_connections)),
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

    fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    fn posts(&self) -> &dyn PostStore {
        self.inner.posts.as_ref()
    }

    /// The current time as the forum stores it (UTC, milliseconds).
    fn now(&self) -> OffsetDateTime {
        STORED.truncate(self.inner.clock.now())
    }

    /// Takes the topic's write lock and reads the topic under it.
    async fn lock_topic(&self, id: TopicId) -> Result<(TopicGuard, TopicRow), DomainError> {
        let local = self.inner.locks.lock(id).await;
        if self.db().get_database_backend() == DbBackend::Postgres {
            let permit = self
                .inner
                .lock_connections
                .clone()
                .acquire_owned()
                .await
                .map_err(DomainError::internal)?;
            let txn = begin_write(self.db()).await?;
            match repo::find_for_update(&txn, id).await? {
                Some(row) => Ok((
                    TopicGuard {
                        txn: Some(txn),
                        _connection: Some(permit),
                        _local: local,
                    },
                    row,
                )),
                None => Err(DomainError::not_found("topic")),
            }
        } else {
            let row = repo::find(self.db(), id)
                .await?
                .ok_or_else(|| DomainError::not_found("topic"))?;
            Ok((
                TopicGuard {
                    txn: None,
                    _connection: None,
                    _local: local,
                },
                row,
            ))
        }
    }

    /// Recomputes the topic's counts, last activity and trending score from
    /// its posts (call it under the topic's lock). `active_at` is the time of
    /// an engagement that is not a post (a vote).
    async fn refresh_counts(
        &self,
        row: &mut TopicRow,
        active_at: Option<OffsetDateTime>,
    ) -> Result<(), DomainError> {
        let s = self.posts().topic_stats(row.id()).await?;
        let replies = s.posts.saturating_sub(1);
        row.m.post_count = to_i32(s.posts);
        row.m.reply_count = to_i32(replies);
        row.m.upvote_count = to_i32(s.upvotes);
        row.m.participant_count = to_i32(s.participants);
        let last = s
            .last_post_at
            .map_or(row.m.created_at, |t| t.max(row.m.created_at));
        row.m.last_activity_at = last;
        let at = active_at.map_or(last, |a| a.max(last));
        row.m.trending_score =
            trending::score(trending::engagement(replies, s.upvotes, s.participants), at);
        Ok(())
    }

    /// Summaries of users, by id. A failing directory leaves authors out
    /// rather than failing the read.
    async fn summaries(
        &self,
        ids: impl IntoIterator<Item = UserId>,
    ) -> HashMap<UserId, UserSummary> {
        let mut ids: Vec<UserId> = ids.into_iter().collect();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return HashMap::new();
        }
        match self.inner.users.summaries(&ids).await {
            Ok(list) => list.into_iter().map(|u| (u.id, u)).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "user directory failed; authors left out");
                HashMap::new()
            }
        }
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
        for handle in handles {
            for u in found.iter().filter(|u| {
                u.is_active && u.handle.to_lowercase() == *handle && u.id != actor.user_id
            }) {
                if !ids.contains(&u.id) {
                    ids.push(u.id);
                }
            }
        }
        ids
    }

    /// Publishes an event after a successful write.
    async fn publish(&self, channel: String, name: &str, data: &impl Serialize) {
        match serde_json::to_value(data) {
            Ok(data) => {
                let mut event = Event::new(channel, name, data);
                event.occurred_at = self.now();
                self.inner.events.publish(event).await;
            }
            Err(e) => tracing::warn!(error = %e, event = name, "event data not serializable"),
        }
    }
}

pub(crate) fn topic_channel(id: TopicId) -> String {
    format!("topic:{id}")
}

pub(crate) fn to_i32(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub(crate) fn topic_view(row: &TopicRow, users: &HashMap<UserId, UserSummary>) -> TopicView {
    let m = &row.m;
    let author_id = UserId(m.author_id);
    TopicView {
        id: TopicId(m.id),
        organization_id: OrgId(m.organization_id),
        author_id,
        author: users.get(&author_id).cloned(),
        title: m.title.clone(),
        category: m.category.clone(),
        tags: row.tags.clone(),
        pinned: m.pinned,
        locked: m.locked,
        // `TopicRow::from_model` has refused negative stored counts.
        post_count: u64::from(m.post_count.unsigned_abs()),
        reply_count: u64::from(m.reply_count.unsigned_abs()),
        upvote_count: u64::from(m.upvote_count.unsigned_abs()),
        participant_count: u64::from(m.participant_count.unsigned_abs()),
        last_activity_at: m.last_activity_at,
        first_post_id: PostId(m.first_post_id),
        best_answer_post_id: m.best_answer_post_id.map(PostId),
        excerpt: m.excerpt.clone(),
        created_at: m.created_at,
        updated_at: m.updated_at,
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
    pub(crate) fn of(row: &TopicRow) -> Self {
        Self {
            first: PostId(row.m.first_post_id),
            best: row.m.best_answer_post_id.map(PostId),
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
            is_best_answer: !p.deleted && refs.best == Some(p.id),
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
