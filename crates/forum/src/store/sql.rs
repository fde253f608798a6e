//! Posts in the relational database (the embedded deployment): `forum_posts`,
//! `forum_post_upvotes` (primary key (post, user): a vote exists once) and
//! `forum_post_revisions`.

use super::{PostEdit, PostRecord, PostStore, Revision, Tombstone, TopicStats, VoteState};
use crate::timefmt::STORED;
use crate::types::AttachmentRef;
use async_trait::async_trait;
use p2p_kernel::ids::{OrgId, PostId, TopicId, UserId};
use p2p_kernel::persistence::begin_write;
use p2p_kernel::persistence::{db_error, stored};
use p2p_kernel::{DayCount, DomainError};
use sea_orm::sea_query::{Expr, ExprTrait, Func, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use time::{Date, OffsetDateTime};

mod entity;

pub(crate) use entity::{post, revision, upvote};

/// Posts in PostgreSQL or SQLite.
#[derive(Clone)]
pub struct SqlPostStore {
    db: DatabaseConnection,
}

impl SqlPostStore {
    /// The first `limit` posts of an ordered query.
    async fn first(
        &self,
        posts: sea_orm::Select<post::Entity>,
        limit: u64,
    ) -> Result<Vec<PostRecord>, DomainError> {
        posts
            .limit(limit)
            .all(&self.db)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(record)
            .collect()
    }

    /// The tables come from the `forum` migration.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, DomainError> {
    serde_json::to_string(value).map_err(DomainError::internal)
}

fn record(m: post::Model) -> Result<PostRecord, DomainError> {
    let attachments: Vec<AttachmentRef> =
        serde_json::from_str(&m.attachments).map_err(|e| DomainError::corrupt("attachments", e))?;
    let mentioned: Vec<UserId> = serde_json::from_str(&m.mentioned_user_ids)
        .map_err(|e| DomainError::corrupt("mentions", e))?;
    Ok(PostRecord {
        id: PostId(m.id),
        topic_id: TopicId(m.topic_id),
        organization_id: OrgId(m.organization_id),
        parent_id: m.parent_id.map(PostId),
        author_id: UserId(m.author_id),
        thread_key: m.thread_key,
        depth: stored("post depth", m.depth)?,
        content: m.content,
        content_html: m.content_html,
        attachments,
        mentioned_user_ids: mentioned,
        upvote_count: stored("upvote count", m.upvote_count)?,
        is_best_answer: m.is_best_answer,
        deleted: m.deleted,
        hidden: m.hidden,
        revision_count: stored("revision count", m.revision_count)?,
        created_day: m.created_day,
        created_at: STORED.truncate(m.created_at),
        updated_at: STORED.truncate(m.updated_at),
        edited_at: m.edited_at.map(|t| STORED.truncate(t)),
    })
}

fn count_i32(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Moves a post's upvote count by `delta` (in the vote's transaction).
async fn add_to_upvote_count(
    txn: &impl ConnectionTrait,
    id: PostId,
    delta: i32,
) -> Result<(), DomainError> {
    post::Entity::update_many()
        .col_expr(
            post::Column::UpvoteCount,
            Expr::col(post::Column::UpvoteCount).add(delta),
        )
        .filter(post::Column::Id.eq(id.0))
        .exec(txn)
        .await
        .map_err(db_error)?;
    Ok(())
}

async fn upvote_count(
    conn: &impl ConnectionTrait,
    id: PostId,
) -> Result<Option<(u64, bool)>, DomainError> {
    let row = post::Entity::find_by_id(id.0)
        .select_only()
        .column(post::Column::UpvoteCount)
        .column(post::Column::Deleted)
        .into_tuple::<(i32, bool)>()
        .one(conn)
        .await
        .map_err(db_error)?;
    row.map(|(n, deleted)| Ok((stored("upvote count", n)?, deleted)))
        .transpose()
}

/// The posts of `org`'s members that everyone sees (see [`PostStore::count_for_org`]).
fn visible_of(org: OrgId, hidden_topics: &[TopicId]) -> sea_orm::Select<post::Entity> {
    let find = post::Entity::find()
        .filter(post::Column::OrganizationId.eq(org.0))
        .filter(post::Column::Deleted.eq(false))
        .filter(post::Column::Hidden.eq(false));
    if hidden_topics.is_empty() {
        return find;
    }
    find.filter(post::Column::TopicId.is_not_in(hidden_topics.iter().map(|t| t.0)))
}

/// Stores a new post through `conn` (the pool, or a transaction).
async fn insert_post(conn: &impl ConnectionTrait, p: &PostRecord) -> Result<(), DomainError> {
    let row = post::ActiveModel {
        id: Set(p.id.0),
        topic_id: Set(p.topic_id.0),
        organization_id: Set(p.organization_id.0),
        parent_id: Set(p.parent_id.map(|id| id.0)),
        author_id: Set(p.author_id.0),
        thread_key: Set(p.thread_key.clone()),
        depth: Set(i32::try_from(p.depth).unwrap_or(i32::MAX)),
        content: Set(p.content.clone()),
        content_html: Set(p.content_html.clone()),
        attachments: Set(to_json(&p.attachments)?),
        mentioned_user_ids: Set(to_json(&p.mentioned_user_ids)?),
        upvote_count: Set(count_i32(p.upvote_count)),
        is_best_answer: Set(p.is_best_answer),
        deleted: Set(p.deleted),
        hidden: Set(p.hidden),
        revision_count: Set(i32::try_from(p.revision_count).unwrap_or(i32::MAX)),
        created_day: Set(p.created_day.clone()),
        created_at: Set(STORED.to_db(p.created_at)),
        updated_at: Set(STORED.to_db(p.updated_at)),
        edited_at: Set(p.edited_at.map(|t| STORED.to_db(t))),
    };
    post::Entity::insert(row)
        .exec_without_returning(conn)
        .await
        .map_err(db_error)?;
    Ok(())
}

#[async_trait]
impl PostStore for SqlPostStore {
    async fn insert(&self, p: &PostRecord) -> Result<(), DomainError> {
        insert_post(&self.db, p).await
    }

    async fn insert_in(
        &self,
        txn: &DatabaseTransaction,
        post: &PostRecord,
    ) -> Result<bool, DomainError> {
        insert_post(txn, post).await?;
        Ok(true)
    }

    async fn get_many(&self, ids: &[PostId]) -> Result<Vec<PostRecord>, DomainError> {
        let ids = ids.iter().map(|id| id.0);
        crate::sql_rows::find_by_ids::<post::Entity, _>(&self.db, post::Column::Id, ids, record)
            .await
    }

    async fn thread_page(
        &self,
        topic: TopicId,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<PostRecord>, DomainError> {
        let mut q = post::Entity::find().filter(post::Column::TopicId.eq(topic.0));
        if let Some(after) = after {
            q = q.filter(post::Column::ThreadKey.gt(after));
        }
        self.first(q.order_by_asc(post::Column::ThreadKey), limit)
            .await
    }

    async fn by_author(
        &self,
        author: UserId,
        after: Option<PostId>,
        limit: u64,
    ) -> Result<Vec<PostRecord>, DomainError> {
        let mut q = post::Entity::find()
            .filter(post::Column::AuthorId.eq(author.0))
            .filter(post::Column::Deleted.eq(false));
        if let Some(after) = after {
            q = q.filter(post::Column::Id.gt(after.0));
        }
        self.first(q.order_by_asc(post::Column::Id), limit).await
    }

    async fn upvoted_by(&self, user: UserId, posts: &[PostId]) -> Result<Vec<PostId>, DomainError> {
        if posts.is_empty() {
            return Ok(Vec::new());
        }
        let ids = upvote::Entity::find()
            .select_only()
            .column(upvote::Column::PostId)
            .filter(upvote::Column::UserId.eq(user.0))
            .filter(upvote::Column::PostId.is_in(posts.iter().map(|p| p.0)))
            .into_tuple::<uuid::Uuid>()
            .all(&self.db)
            .await
            .map_err(db_error)?;
        Ok(ids.into_iter().map(PostId).collect())
    }

    async fn edit(
        &self,
        id: PostId,
        edit: &PostEdit,
        at: OffsetDateTime,
    ) -> Result<bool, DomainError> {
        let txn = begin_write(&self.db).await?;
        let mut update = post::Entity::update_many()
            .col_expr(post::Column::Content, Expr::value(edit.content.clone()))
            .col_expr(
                post::Column::ContentHtml,
                Expr::value(edit.content_html.clone()),
            )
            .col_expr(
                post::Column::MentionedUserIds,
                Expr::value(to_json(&edit.mentioned_user_ids)?),
            )
            .col_expr(
                post::Column::RevisionCount,
                Expr::col(post::Column::RevisionCount).add(1),
            )
            .col_expr(post::Column::UpdatedAt, Expr::value(STORED.to_db(at)))
            .col_expr(post::Column::EditedAt, Expr::value(Some(STORED.to_db(at))));
        if let Some(attachments) = &edit.attachments {
            update = update.col_expr(
                post::Column::Attachments,
                Expr::value(to_json(attachments)?),
            );
        }
        let done = update
            .filter(post::Column::Id.eq(id.0))
            .filter(post::Column::Deleted.eq(false))
            .exec(&txn)
            .await
            .map_err(db_error)?;
        if done.rows_affected == 0 {
            txn.rollback().await.map_err(db_error)?;
            return Ok(false);
        }
        revision::Entity::insert(revision::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            post_id: Set(id.0),
            content: Set(edit.previous.content.clone()),
            edited_at: Set(STORED.to_db(edit.previous.edited_at)),
            edited_by: Set(edit.previous.edited_by.0),
        })
        .exec_without_returning(&txn)
        .await
        .map_err(db_error)?;
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn set_hidden(&self, id: PostId, hidden: bool) -> Result<bool, DomainError> {
        let done = post::Entity::update_many()
            .col_expr(post::Column::Hidden, Expr::value(hidden))
            .filter(post::Column::Id.eq(id.0))
            .exec(&self.db)
            .await
            .map_err(db_error)?;
        Ok(done.rows_affected == 1)
    }

    async fn soft_delete(&self, id: PostId, t: &Tombstone) -> Result<bool, DomainError> {
        let txn = begin_write(&self.db).await?;
        let done = post::Entity::update_many()
            .col_expr(post::Column::Deleted, Expr::value(true))
            .col_expr(post::Column::Content, Expr::value(t.content.clone()))
            .col_expr(
                post::Column::ContentHtml,
                Expr::value(t.content_html.clone()),
            )
            .col_expr(post::Column::Attachments, Expr::value("[]"))
            .col_expr(post::Column::MentionedUserIds, Expr::value("[]"))
            .col_expr(post::Column::IsBestAnswer, Expr::value(false))
            .col_expr(post::Column::RevisionCount, Expr::value(0))
            .col_expr(
                post::Column::UpdatedAt,
                Expr::value(STORED.to_db(t.deleted_at)),
            )
            .filter(post::Column::Id.eq(id.0))
            .exec(&txn)
            .await
            .map_err(db_error)?;
        if done.rows_affected == 0 {
            txn.rollback().await.map_err(db_error)?;
            return Ok(false);
        }
        revision::Entity::delete_many()
            .filter(revision::Column::PostId.eq(id.0))
            .exec(&txn)
            .await
            .map_err(db_error)?;
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn add_upvote(
        &self,
        id: PostId,
        user: UserId,
        at: OffsetDateTime,
    ) -> Result<Option<VoteState>, DomainError> {
        let txn = begin_write(&self.db).await?;
        match upvote_count(&txn, id).await? {
            Some((_, false)) => {}
            _ => {
                txn.rollback().await.map_err(db_error)?;
                return Ok(None);
            }
        }
        let mut insert = Query::insert();
        insert
            .into_table(upvote::Entity)
            .columns([
                upvote::Column::PostId,
                upvote::Column::UserId,
                upvote::Column::CreatedAt,
            ])
            .values([id.0.into(), user.0.into(), STORED.to_db(at).into()])
            .map_err(DomainError::internal)?
            .on_conflict(
                OnConflict::columns([upvote::Column::PostId, upvote::Column::UserId])
                    .do_nothing()
                    .to_owned(),
            );
        let changed = txn
            .execute(&insert)
            .await
            .map_err(db_error)?
            .rows_affected()
            == 1;
        if changed {
            add_to_upvote_count(&txn, id, 1).await?;
        }
        let count = upvote_count(&txn, id).await?.map_or(0, |(n, _)| n);
        txn.commit().await.map_err(db_error)?;
        Ok(Some(VoteState {
            changed,
            upvote_count: count,
        }))
    }

    async fn remove_upvote(
        &self,
        id: PostId,
        user: UserId,
    ) -> Result<Option<VoteState>, DomainError> {
        let txn = begin_write(&self.db).await?;
        let removed = upvote::Entity::delete_many()
            .filter(upvote::Column::PostId.eq(id.0))
            .filter(upvote::Column::UserId.eq(user.0))
            .exec(&txn)
            .await
            .map_err(db_error)?
            .rows_affected;
        let changed = removed > 0;
        if changed {
            add_to_upvote_count(&txn, id, -1).await?;
        }
        let count = upvote_count(&txn, id).await?;
        txn.commit().await.map_err(db_error)?;
        Ok(count.map(|(n, _)| VoteState {
            changed,
            upvote_count: n,
        }))
    }

    async fn set_best_answer(
        &self,
        topic: TopicId,
        answer: Option<PostId>,
    ) -> Result<(), DomainError> {
        let txn = begin_write(&self.db).await?;
        let mut clear = post::Entity::update_many()
            .col_expr(post::Column::IsBestAnswer, Expr::value(false))
            .filter(post::Column::TopicId.eq(topic.0))
            .filter(post::Column::IsBestAnswer.eq(true));
        if let Some(answer) = answer {
            clear = clear.filter(post::Column::Id.ne(answer.0));
        }
        clear.exec(&txn).await.map_err(db_error)?;
        if let Some(answer) = answer {
            post::Entity::update_many()
                .col_expr(post::Column::IsBestAnswer, Expr::value(true))
                .filter(post::Column::Id.eq(answer.0))
                .filter(post::Column::TopicId.eq(topic.0))
                .exec(&txn)
                .await
                .map_err(db_error)?;
        }
        txn.commit().await.map_err(db_error)
    }

    async fn revisions(&self, id: PostId) -> Result<Vec<Revision>, DomainError> {
        let rows = revision::Entity::find()
            .filter(revision::Column::PostId.eq(id.0))
            .order_by_asc(revision::Column::EditedAt)
            .order_by_asc(revision::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_error)?;
        Ok(rows
            .into_iter()
            .map(|r| Revision {
                content: r.content,
                edited_at: STORED.truncate(r.edited_at),
                edited_by: UserId(r.edited_by),
            })
            .collect())
    }

    async fn topic_stats(&self, topic: TopicId) -> Result<TopicStats, DomainError> {
        let stmt = Query::select()
            .expr_as(Func::count(Expr::col(post::Column::Id)), "posts")
            .expr_as(
                Func::count_distinct(Expr::col(post::Column::AuthorId)),
                "participants",
            )
            .expr_as(
                Func::coalesce([
                    Func::sum(Expr::col(post::Column::UpvoteCount)).into(),
                    Expr::value(0),
                ]),
                "upvotes",
            )
            .from(post::Entity)
            .and_where(Expr::col(post::Column::TopicId).eq(topic.0))
            .and_where(Expr::col(post::Column::Deleted).eq(false))
            .to_owned();
        let row = self.db.query_one(&stmt).await.map_err(db_error)?;
        let get = |name: &str| -> Result<u64, DomainError> {
            match &row {
                Some(r) => stored(name, r.try_get::<i64>("", name).map_err(db_error)?),
                None => Ok(0),
            }
        };
        let (posts, participants, upvotes) = (get("posts")?, get("participants")?, get("upvotes")?);
        let last_post_at = post::Entity::find()
            .select_only()
            .column(post::Column::CreatedAt)
            .filter(post::Column::TopicId.eq(topic.0))
            .filter(post::Column::Deleted.eq(false))
            .order_by_desc(post::Column::CreatedAt)
            .limit(1)
            .into_tuple::<OffsetDateTime>()
            .one(&self.db)
            .await
            .map_err(db_error)?
            .map(|t| STORED.truncate(t));
        Ok(TopicStats {
            posts,
            participants,
            upvotes,
            last_post_at,
        })
    }

    async fn posts_with_attachments(&self, topic: TopicId) -> Result<Vec<PostId>, DomainError> {
        let ids: Vec<uuid::Uuid> = post::Entity::find()
            .select_only()
            .column(post::Column::Id)
            .filter(post::Column::TopicId.eq(topic.0))
            .filter(post::Column::Attachments.ne("[]"))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_error)?;
        Ok(ids.into_iter().map(PostId).collect())
    }

    async fn delete_topic(&self, topic: TopicId) -> Result<u64, DomainError> {
        let txn = begin_write(&self.db).await?;
        let ids = Query::select()
            .column(post::Column::Id)
            .from(post::Entity)
            .and_where(Expr::col(post::Column::TopicId).eq(topic.0))
            .to_owned();
        upvote::Entity::delete_many()
            .filter(upvote::Column::PostId.in_subquery(ids.clone()))
            .exec(&txn)
            .await
            .map_err(db_error)?;
        revision::Entity::delete_many()
            .filter(revision::Column::PostId.in_subquery(ids))
            .exec(&txn)
            .await
            .map_err(db_error)?;
        let n = post::Entity::delete_many()
            .filter(post::Column::TopicId.eq(topic.0))
            .exec(&txn)
            .await
            .map_err(db_error)?
            .rows_affected;
        txn.commit().await.map_err(db_error)?;
        Ok(n)
    }

    async fn count_for_org(
        &self,
        org: OrgId,
        hidden_topics: &[TopicId],
    ) -> Result<u64, DomainError> {
        visible_of(org, hidden_topics)
            .count(&self.db)
            .await
            .map_err(db_error)
    }

    async fn daily_for_org(
        &self,
        org: OrgId,
        since: Date,
        hidden_topics: &[TopicId],
    ) -> Result<Vec<DayCount>, DomainError> {
        let posts = visible_of(org, hidden_topics);
        let (day, id) = (post::Column::CreatedDay, post::Column::Id);
        crate::sql_rows::count_per_day(&self.db, posts, day, id, since).await
    }
}
