//! [`SqlTopicStore`]: topics in `forum_topics` and `forum_topic_tags`.

use super::entity::{tag, topic};
use super::{TopicCursor, TopicQuery, TopicRecord, TopicStore, TopicWrite};
use crate::store::{PostRecord, PostStore};
use crate::timefmt::STORED;
use async_trait::async_trait;
use p2p_kernel::ids::{OrgId, PostId, TopicId, UserId};
use p2p_kernel::outbox::events::NewEvent;
use p2p_kernel::persistence::{begin_write, db_error, stored};
use p2p_kernel::{DayCount, DomainError};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use std::sync::Arc;
use time::{Date, OffsetDateTime};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Topics in the relational database.
pub(crate) struct SqlTopicStore {
    db: DatabaseConnection,
    /// Bounds the PostgreSQL connections held by topic writes to half the
    /// pool, so that post-store work inside a write always finds a connection.
    write_connections: Arc<Semaphore>,
}

impl SqlTopicStore {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        let writes = if db.get_database_backend() == DbBackend::Postgres {
            let pool = db
                .get_postgres_connection_pool()
                .options()
                .get_max_connections();
            usize::try_from(pool / 2).unwrap_or(1).max(1)
        } else {
            1
        };
        Self {
            db,
            write_connections: Arc::new(Semaphore::new(writes)),
        }
    }
}

/// Decodes a row: tags from JSON, counts checked, times as stored.
pub(super) fn record(m: topic::Model) -> Result<TopicRecord, DomainError> {
    let tags: Vec<String> =
        serde_json::from_str(&m.tags).map_err(|e| DomainError::corrupt("tags", e))?;
    Ok(TopicRecord {
        id: TopicId(m.id),
        organization_id: OrgId(m.organization_id),
        author_id: UserId(m.author_id),
        title: m.title,
        category: m.category,
        category_key: m.category_key,
        tags,
        pinned: m.pinned,
        locked: m.locked,
        hidden: m.hidden,
        post_count: stored("post count", m.post_count)?,
        reply_count: stored("reply count", m.reply_count)?,
        upvote_count: stored("upvote count", m.upvote_count)?,
        participant_count: stored("participant count", m.participant_count)?,
        trending_score: m.trending_score,
        last_activity_at: STORED.truncate(m.last_activity_at),
        first_post_id: PostId(m.first_post_id),
        best_answer_post_id: m.best_answer_post_id.map(PostId),
        excerpt: m.excerpt,
        search_text: m.search_text,
        created_day: m.created_day,
        created_at: STORED.truncate(m.created_at),
        updated_at: STORED.truncate(m.updated_at),
    })
}

/// A count as its `INTEGER` column holds it (counts never come near `i32::MAX`).
fn count(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn tags_json(tags: &[String]) -> Result<String, DomainError> {
    serde_json::to_string(tags).map_err(DomainError::internal)
}

async fn find(
    conn: &impl ConnectionTrait,
    id: TopicId,
) -> Result<Option<TopicRecord>, DomainError> {
    topic::Entity::find_by_id(id.0)
        .one(conn)
        .await
        .map_err(db_error)?
        .map(record)
        .transpose()
}

async fn delete_tags(conn: &impl ConnectionTrait, id: TopicId) -> Result<(), DomainError> {
    tag::Entity::delete_many()
        .filter(tag::Column::TopicId.eq(id.0))
        .exec(conn)
        .await
        .map_err(db_error)?;
    Ok(())
}

async fn write_tags(
    conn: &impl ConnectionTrait,
    id: TopicId,
    tags: &[String],
) -> Result<(), DomainError> {
    delete_tags(conn, id).await?;
    insert_tags(conn, id, tags).await
}

async fn insert_tags(
    conn: &impl ConnectionTrait,
    id: TopicId,
    tags: &[String],
) -> Result<(), DomainError> {
    if !tags.is_empty() {
        tag::Entity::insert_many(tags.iter().map(|t| tag::ActiveModel {
            topic_id: Set(id.0),
            tag: Set(t.clone()),
        }))
        .exec_without_returning(conn)
        .await
        .map_err(db_error)?;
    }
    Ok(())
}

async fn insert(conn: &impl ConnectionTrait, t: &TopicRecord) -> Result<(), DomainError> {
    let row = topic::ActiveModel {
        id: Set(t.id.0),
        organization_id: Set(t.organization_id.0),
        author_id: Set(t.author_id.0),
        title: Set(t.title.clone()),
        category: Set(t.category.clone()),
        category_key: Set(t.category_key.clone()),
        tags: Set(tags_json(&t.tags)?),
        pinned: Set(t.pinned),
        locked: Set(t.locked),
        hidden: Set(t.hidden),
        post_count: Set(count(t.post_count)),
        reply_count: Set(count(t.reply_count)),
        upvote_count: Set(count(t.upvote_count)),
        participant_count: Set(count(t.participant_count)),
        trending_score: Set(t.trending_score),
        last_activity_at: Set(STORED.to_db(t.last_activity_at)),
        first_post_id: Set(t.first_post_id.0),
        best_answer_post_id: Set(t.best_answer_post_id.map(|p| p.0)),
        excerpt: Set(t.excerpt.clone()),
        search_text: Set(t.search_text.clone()),
        created_day: Set(t.created_day.clone()),
        created_at: Set(STORED.to_db(t.created_at)),
        updated_at: Set(STORED.to_db(t.updated_at)),
    };
    topic::Entity::insert(row)
        .exec_without_returning(conn)
        .await
        .map_err(db_error)?;
    insert_tags(conn, t.id, &t.tags).await
}

async fn save(conn: &impl ConnectionTrait, t: &TopicRecord) -> Result<(), DomainError> {
    topic::Entity::update_many()
        .col_expr(topic::Column::Title, Expr::value(t.title.clone()))
        .col_expr(topic::Column::Category, Expr::value(t.category.clone()))
        .col_expr(
            topic::Column::CategoryKey,
            Expr::value(t.category_key.clone()),
        )
        .col_expr(topic::Column::Tags, Expr::value(tags_json(&t.tags)?))
        .col_expr(topic::Column::Pinned, Expr::value(t.pinned))
        .col_expr(topic::Column::Locked, Expr::value(t.locked))
        .col_expr(topic::Column::Hidden, Expr::value(t.hidden))
        .col_expr(topic::Column::PostCount, Expr::value(count(t.post_count)))
        .col_expr(topic::Column::ReplyCount, Expr::value(count(t.reply_count)))
        .col_expr(
            topic::Column::UpvoteCount,
            Expr::value(count(t.upvote_count)),
        )
        .col_expr(
            topic::Column::ParticipantCount,
            Expr::value(count(t.participant_count)),
        )
        .col_expr(topic::Column::TrendingScore, Expr::value(t.trending_score))
        .col_expr(
            topic::Column::LastActivityAt,
            Expr::value(STORED.to_db(t.last_activity_at)),
        )
        .col_expr(
            topic::Column::BestAnswerPostId,
            Expr::value(t.best_answer_post_id.map(|p| p.0)),
        )
        .col_expr(topic::Column::Excerpt, Expr::value(t.excerpt.clone()))
        .col_expr(
            topic::Column::SearchText,
            Expr::value(t.search_text.clone()),
        )
        .col_expr(
            topic::Column::UpdatedAt,
            Expr::value(STORED.to_db(t.updated_at)),
        )
        .filter(topic::Column::Id.eq(t.id.0))
        .exec(conn)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// The topics of `org`'s members that everyone sees (not hidden).
fn visible_of(org: OrgId) -> sea_orm::Select<topic::Entity> {
    topic::Entity::find()
        .filter(topic::Column::OrganizationId.eq(org.0))
        .filter(topic::Column::Hidden.eq(false))
}

#[async_trait]
impl TopicStore for SqlTopicStore {
    async fn get(&self, id: TopicId) -> Result<Option<TopicRecord>, DomainError> {
        find(&self.db, id).await
    }

    async fn get_many(&self, ids: &[TopicId]) -> Result<Vec<TopicRecord>, DomainError> {
        let ids = ids.iter().map(|id| id.0);
        crate::sql_rows::find_by_ids::<topic::Entity, _>(&self.db, topic::Column::Id, ids, record)
            .await
    }

    async fn exists(&self, id: TopicId) -> Result<bool, DomainError> {
        let n = topic::Entity::find_by_id(id.0)
            .count(&self.db)
            .await
            .map_err(db_error)?;
        Ok(n > 0)
    }

    async fn create(
        &self,
        topic: &TopicRecord,
        posts: &dyn PostStore,
        first: &PostRecord,
        event: Option<&NewEvent>,
    ) -> Result<(), DomainError> {
        let txn = begin_write(&self.db).await?;
        if !posts.insert_in(&txn, first).await? {
            posts.insert(first).await?;
        }
        insert(&txn, topic).await?;
        if let Some(event) = event {
            event.record(&txn).await.map_err(db_error)?;
        }
        txn.commit().await.map_err(db_error)
    }

    async fn list(
        &self,
        query: &TopicQuery,
        cursor: Option<&TopicCursor>,
        limit: u64,
    ) -> Result<Vec<TopicRecord>, DomainError> {
        super::list::list(&self.db, query, cursor, limit).await
    }

    async fn trending_candidates(
        &self,
        query: &TopicQuery,
        since: OffsetDateTime,
    ) -> Result<Vec<TopicRecord>, DomainError> {
        super::list::trending_candidates(&self.db, query, since).await
    }

    async fn quiet_topics(
        &self,
        query: &TopicQuery,
        since: OffsetDateTime,
        pinned: bool,
        before: Option<TopicId>,
        limit: u64,
    ) -> Result<Vec<TopicRecord>, DomainError> {
        super::list::quiet_topics(&self.db, query, since, pinned, before, limit).await
    }

    async fn count_for_org(&self, org: OrgId) -> Result<u64, DomainError> {
        visible_of(org).count(&self.db).await.map_err(db_error)
    }

    async fn daily_for_org(&self, org: OrgId, since: Date) -> Result<Vec<DayCount>, DomainError> {
        let (day, id) = (topic::Column::CreatedDay, topic::Column::Id);
        crate::sql_rows::count_per_day(&self.db, visible_of(org), day, id, since).await
    }

    async fn hidden_ids(&self) -> Result<Vec<TopicId>, DomainError> {
        let ids: Vec<uuid::Uuid> = topic::Entity::find()
            .select_only()
            .column(topic::Column::Id)
            .filter(topic::Column::Hidden.eq(true))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_error)?;
        Ok(ids.into_iter().map(TopicId).collect())
    }

    async fn write(
        &self,
        id: TopicId,
    ) -> Result<Option<(Box<dyn TopicWrite>, TopicRecord)>, DomainError> {
        if self.db.get_database_backend() != DbBackend::Postgres {
            // SQLite has one writer and no row locks; the transaction begins
            // at the first save, after the post-store work (which may need
            // the write lock itself).
            let Some(topic) = find(&self.db, id).await? else {
                return Ok(None);
            };
            let write = SqlTopicWrite {
                db: self.db.clone(),
                id,
                txn: None,
                _connection: None,
            };
            return Ok(Some((Box::new(write), topic)));
        }
        let permit = self
            .write_connections
            .clone()
            .acquire_owned()
            .await
            .map_err(DomainError::internal)?;
        let txn = begin_write(&self.db).await?;
        let Some(model) = topic::Entity::find_by_id(id.0)
            .lock_exclusive()
            .one(&txn)
            .await
            .map_err(db_error)?
        else {
            return Ok(None);
        };
        let write = SqlTopicWrite {
            db: self.db.clone(),
            id,
            txn: Some(txn),
            _connection: Some(permit),
        };
        Ok(Some((Box::new(write), record(model)?)))
    }
}

/// A topic write: on PostgreSQL the transaction holding the row lock, on
/// SQLite a transaction begun at the first save.
struct SqlTopicWrite {
    db: DatabaseConnection,
    id: TopicId,
    txn: Option<DatabaseTransaction>,
    _connection: Option<OwnedSemaphorePermit>,
}

impl SqlTopicWrite {
    async fn txn(&mut self) -> Result<&DatabaseTransaction, DomainError> {
        if self.txn.is_none() {
            self.txn = Some(begin_write(&self.db).await?);
        }
        self.txn
            .as_ref()
            .ok_or_else(|| DomainError::internal(std::io::Error::other("no transaction")))
    }
}

#[async_trait]
impl TopicWrite for SqlTopicWrite {
    async fn save(&mut self, topic: &TopicRecord, tags_changed: bool) -> Result<(), DomainError> {
        let txn = self.txn().await?;
        save(txn, topic).await?;
        if tags_changed {
            write_tags(txn, topic.id, &topic.tags).await?;
        }
        Ok(())
    }

    async fn delete(&mut self) -> Result<(), DomainError> {
        let id = self.id;
        let txn = self.txn().await?;
        delete_tags(txn, id).await?;
        topic::Entity::delete_by_id(id.0)
            .exec(txn)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn record_event(
        &mut self,
        stream: &str,
        kind: &str,
        payload: &serde_json::Value,
    ) -> Result<(), DomainError> {
        let txn = self.txn().await?;
        p2p_kernel::outbox::events::record(txn, stream, kind, payload)
            .await
            .map_err(db_error)
    }

    async fn insert_post(
        &mut self,
        posts: &dyn PostStore,
        post: &PostRecord,
    ) -> Result<bool, DomainError> {
        let txn = self.txn().await?;
        posts.insert_in(txn, post).await
    }

    async fn commit(self: Box<Self>) -> Result<(), DomainError> {
        match self.txn {
            Some(txn) => txn.commit().await.map_err(db_error),
            None => Ok(()),
        }
    }
}
