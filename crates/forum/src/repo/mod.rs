//! Topics in the relational database: `forum_topics` and `forum_topic_tags`.

pub(crate) mod entity;
pub(crate) mod list;

use crate::timefmt::STORED;
use entity::{tag, topic};
use p2p_kernel::DomainError;
use p2p_kernel::ids::{OrgId, TopicId};
use p2p_kernel::persistence::{db_error, stored};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// A topic row with its JSON and time columns decoded.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TopicRow {
    pub m: topic::Model,
    pub tags: Vec<String>,
}

impl TopicRow {
    pub(crate) fn from_model(mut m: topic::Model) -> Result<Self, DomainError> {
        let tags: Vec<String> =
            serde_json::from_str(&m.tags).map_err(|e| DomainError::corrupt("tags", e))?;
        for (what, n) in [
            ("post count", m.post_count),
            ("reply count", m.reply_count),
            ("upvote count", m.upvote_count),
            ("participant count", m.participant_count),
        ] {
            stored::<u32, i32>(what, n)?;
        }
        m.created_at = STORED.truncate(m.created_at);
        m.updated_at = STORED.truncate(m.updated_at);
        m.last_activity_at = STORED.truncate(m.last_activity_at);
        Ok(Self { m, tags })
    }

    pub(crate) fn id(&self) -> TopicId {
        TopicId(self.m.id)
    }

    pub(crate) fn org(&self) -> OrgId {
        OrgId(self.m.organization_id)
    }
}

pub(crate) async fn find(
    conn: &impl ConnectionTrait,
    id: TopicId,
) -> Result<Option<TopicRow>, DomainError> {
    topic::Entity::find_by_id(id.0)
        .one(conn)
        .await
        .map_err(db_error)?
        .map(TopicRow::from_model)
        .transpose()
}

/// The topics among `ids` that exist, in no particular order.
pub(crate) async fn find_many(
    conn: &impl ConnectionTrait,
    ids: &[TopicId],
) -> Result<Vec<TopicRow>, DomainError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    topic::Entity::find()
        .filter(topic::Column::Id.is_in(ids.iter().map(|id| id.0)))
        .all(conn)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(TopicRow::from_model)
        .collect()
}

/// Reads the topic and locks its row until the transaction ends
/// (`SELECT … FOR UPDATE` on PostgreSQL; SQLite has no row locks).
pub(crate) async fn find_for_update(
    txn: &DatabaseTransaction,
    id: TopicId,
) -> Result<Option<TopicRow>, DomainError> {
    topic::Entity::find_by_id(id.0)
        .lock_exclusive()
        .one(txn)
        .await
        .map_err(db_error)?
        .map(TopicRow::from_model)
        .transpose()
}

pub(crate) async fn exists(conn: &impl ConnectionTrait, id: TopicId) -> Result<bool, DomainError> {
    let n = topic::Entity::find_by_id(id.0)
        .count(conn)
        .await
        .map_err(db_error)?;
    Ok(n > 0)
}

fn tags_json(tags: &[String]) -> Result<String, DomainError> {
    serde_json::to_string(tags).map_err(DomainError::internal)
}

async fn write_tags(
    conn: &impl ConnectionTrait,
    id: TopicId,
    tags: &[String],
) -> Result<(), DomainError> {
    tag::Entity::delete_many()
        .filter(tag::Column::TopicId.eq(id.0))
        .exec(conn)
        .await
        .map_err(db_error)?;
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

/// Inserts a topic and its tags.
pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    m: &topic::Model,
    tags: &[String],
) -> Result<(), DomainError> {
    let row = topic::ActiveModel {
        id: Set(m.id),
        organization_id: Set(m.organization_id),
        author_id: Set(m.author_id),
        title: Set(m.title.clone()),
        category: Set(m.category.clone()),
        category_key: Set(m.category_key.clone()),
        tags: Set(tags_json(tags)?),
        pinned: Set(m.pinned),
        locked: Set(m.locked),
        post_count: Set(m.post_count),
        reply_count: Set(m.reply_count),
        upvote_count: Set(m.upvote_count),
        participant_count: Set(m.participant_count),
        trending_score: Set(m.trending_score),
        last_activity_at: Set(STORED.to_db(m.last_activity_at)),
        first_post_id: Set(m.first_post_id),
        best_answer_post_id: Set(m.best_answer_post_id),
        excerpt: Set(m.excerpt.clone()),
        search_text: Set(m.search_text.clone()),
        created_day: Set(m.created_day.clone()),
        created_at: Set(STORED.to_db(m.created_at)),
        updated_at: Set(STORED.to_db(m.updated_at)),
    };
    topic::Entity::insert(row)
        .exec_without_returning(conn)
        .await
        .map_err(db_error)?;
    write_tags(conn, TopicId(m.id), tags).await
}

/// Writes the editable fields of a topic (title, category, tags, flags,
/// counts, texts, best answer) as they are in `row`.
pub(crate) async fn save(conn: &impl ConnectionTrait, row: &TopicRow) -> Result<(), DomainError> {
    let m = &row.m;
    topic::Entity::update_many()
        .col_expr(topic::Column::Title, Expr::value(m.title.clone()))
        .col_expr(topic::Column::Category, Expr::value(m.category.clone()))
        .col_expr(
            topic::Column::CategoryKey,
            Expr::value(m.category_key.clone()),
        )
        .col_expr(topic::Column::Tags, Expr::value(tags_json(&row.tags)?))
        .col_expr(topic::Column::Pinned, Expr::value(m.pinned))
        .col_expr(topic::Column::Locked, Expr::value(m.locked))
        .col_expr(topic::Column::PostCount, Expr::value(m.post_count))
        .col_expr(topic::Column::ReplyCount, Expr::value(m.reply_count))
        .col_expr(topic::Column::UpvoteCount, Expr::value(m.upvote_count))
        .col_expr(
            topic::Column::ParticipantCount,
            Expr::value(m.participant_count),
        )
        .col_expr(topic::Column::TrendingScore, Expr::value(m.trending_score))
        .col_expr(
            topic::Column::LastActivityAt,
            Expr::value(STORED.to_db(m.last_activity_at)),
        )
        .col_expr(
            topic::Column::BestAnswerPostId,
            Expr::value(m.best_answer_post_id),
        )
        .col_expr(topic::Column::Excerpt, Expr::value(m.excerpt.clone()))
        .col_expr(
            topic::Column::SearchText,
            Expr::value(m.search_text.clone()),
        )
        .col_expr(
            topic::Column::UpdatedAt,
            Expr::value(STORED.to_db(m.updated_at)),
        )
        .filter(topic::Column::Id.eq(m.id))
        .exec(conn)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// Replaces the tags of a topic.
pub(crate) async fn save_tags(
    conn: &impl ConnectionTrait,
    id: TopicId,
    tags: &[String],
) -> Result<(), DomainError> {
    write_tags(conn, id, tags).await
}

pub(crate) async fn delete(conn: &impl ConnectionTrait, id: TopicId) -> Result<(), DomainError> {
    tag::Entity::delete_many()
        .filter(tag::Column::TopicId.eq(id.0))
        .exec(conn)
        .await
        .map_err(db_error)?;
    topic::Entity::delete_by_id(id.0)
        .exec(conn)
        .await
        .map_err(db_error)?;
    Ok(())
}

pub(crate) async fn count_for_org(
    conn: &impl ConnectionTrait,
    org: OrgId,
) -> Result<u64, DomainError> {
    topic::Entity::find()
        .filter(topic::Column::OrganizationId.eq(org.0))
        .count(conn)
        .await
        .map_err(db_error)
}

pub(crate) async fn daily_for_org(
    conn: &impl ConnectionTrait,
    org: OrgId,
    since_day: &str,
) -> Result<Vec<(String, u64)>, DomainError> {
    let rows = topic::Entity::find()
        .select_only()
        .column(topic::Column::CreatedDay)
        .column_as(Expr::col(topic::Column::Id).count(), "n")
        .filter(topic::Column::OrganizationId.eq(org.0))
        .filter(topic::Column::CreatedDay.gte(since_day))
        .group_by(topic::Column::CreatedDay)
        .order_by_asc(topic::Column::CreatedDay)
        .into_tuple::<(String, i64)>()
        .all(conn)
        .await
        .map_err(db_error)?;
    rows.into_iter()
        .map(|(d, n)| Ok((d, stored("topics per day", n)?)))
        .collect()
}
