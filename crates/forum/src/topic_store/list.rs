//! Keyset pagination of topic lists.
//!
//! Every sort is `pinned DESC, <key> DESC, id DESC`, where the key is the
//! creation time (`latest`, `unanswered`) or the upvote total (`top`);
//! `trending` ranks its candidates when read (`crate::trending`) and pages
//! the rest by id here. A cursor is the (pinned, key, id) of
//! the last topic a page showed and the next page starts strictly after it,
//! so topics created meanwhile (they sort before the cursor) are neither
//! skipped nor repeated. With `top` and `trending` a topic whose votes or
//! activity change while a client pages may move across the cursor.

use super::entity::{tag, topic};
use super::{TopicQuery, TopicRecord};
use crate::timefmt::{STORED, from_unix_ms, unix_ms};
use crate::types::TopicSort;
use p2p_kernel::DomainError;
use p2p_kernel::FieldCode;
use p2p_kernel::ids::TopicId;
use p2p_kernel::persistence::db_error;
use p2p_kernel::ports::HiddenFilter;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, IdenStatic, Iterable, QueryFilter,
    QueryOrder, QuerySelect, Select, Value,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Position of the last topic of a page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct TopicCursor {
    /// The sort the cursor belongs to.
    s: TopicSort,
    p: bool,
    /// Integer key: creation time in ms, or upvote total; for `trending`
    /// the time (ms) the list is ranked at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<i64>,
    /// Float key: trending score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    f: Option<f64>,
    i: Uuid,
}

impl TopicCursor {
    pub(crate) fn of(topic: &TopicRecord, sort: TopicSort) -> Self {
        let (n, f) = match sort {
            TopicSort::Latest | TopicSort::Unanswered => (Some(unix_ms(topic.created_at)), None),
            TopicSort::Top => (
                Some(i64::try_from(topic.upvote_count).unwrap_or(i64::MAX)),
                None,
            ),
            // See `TopicCursor::trending`.
            TopicSort::Trending => (None, None),
        };
        Self {
            s: sort,
            p: topic.pinned,
            n,
            f,
            i: topic.id.0,
        }
    }
}

impl TopicCursor {
    /// The position of `topic`, scored `score` on a trending list ranked at `at`.
    pub(crate) fn trending(topic: &TopicRecord, score: f64, at: OffsetDateTime) -> Self {
        Self {
            s: TopicSort::Trending,
            p: topic.pinned,
            n: Some(unix_ms(at)),
            f: Some(score),
            i: topic.id.0,
        }
    }

    /// The time a trending list is ranked at, and (pinned, score, id) of
    /// the last topic shown.
    pub(crate) fn trending_position(
        &self,
    ) -> Result<(OffsetDateTime, (bool, f64, TopicId)), DomainError> {
        let at = self.n.and_then(from_unix_ms);
        let score = self.f.filter(|f| f.is_finite() && *f >= 0.0);
        match (self.s, at, score) {
            (TopicSort::Trending, Some(at), Some(score)) => {
                Ok((at, (self.p, score, TopicId(self.i))))
            }
            _ => Err(invalid_cursor()),
        }
    }
}

fn invalid_cursor() -> DomainError {
    DomainError::invalid_field(
        "cursor",
        FieldCode::InvalidCursor,
        "the cursor is not valid",
    )
}

fn key_column(sort: TopicSort) -> topic::Column {
    match sort {
        TopicSort::Latest | TopicSort::Unanswered => topic::Column::CreatedAt,
        TopicSort::Top => topic::Column::UpvoteCount,
        // Ranked when read (`crate::trending`); `list` refuses it.
        TopicSort::Trending => topic::Column::Id,
    }
}

fn key_value(c: &TopicCursor) -> Result<Value, DomainError> {
    match c.s {
        TopicSort::Latest | TopicSort::Unanswered => {
            let t = c.n.and_then(from_unix_ms).ok_or_else(invalid_cursor)?;
            Ok(STORED.to_db(t).into())
        }
        TopicSort::Top => Ok(c.n.ok_or_else(invalid_cursor)?.into()),
        TopicSort::Trending => Err(invalid_cursor()),
    }
}

/// Rows strictly after the cursor in `pinned DESC, key DESC, id DESC` order.
fn after(c: &TopicCursor) -> Result<Condition, DomainError> {
    let key = key_column(c.s);
    let value = key_value(c)?;
    let tail = Condition::any().add(key.lt(value.clone())).add(
        Condition::all()
            .add(key.eq(value))
            .add(topic::Column::Id.lt(c.i)),
    );
    Ok(if c.p {
        Condition::any().add(topic::Column::Pinned.eq(false)).add(
            Condition::all()
                .add(topic::Column::Pinned.eq(true))
                .add(tail),
        )
    } else {
        Condition::all()
            .add(topic::Column::Pinned.eq(false))
            .add(tail)
    })
}

/// `%word%` with LIKE's wildcards escaped.
fn contains_pattern(word: &str) -> String {
    let mut p = String::with_capacity(word.len() + 2);
    p.push('%');
    for c in word.chars() {
        if matches!(c, '\\' | '%' | '_') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The topics matching the query's filters (its sort aside), each without
/// its search text (read back empty): a listed topic is shown, never saved,
/// and that text holds the whole first post, which a page of topics, or
/// every trending candidate, would otherwise carry from the database.
fn filtered(q: &TopicQuery) -> Select<topic::Entity> {
    let shown = topic::Column::iter().filter(|c| !matches!(c, topic::Column::SearchText));
    let mut select = topic::Entity::find()
        .select_only()
        .columns(shown)
        .column_as(Expr::val(""), topic::Column::SearchText.as_str());
    if let Some(category) = &q.category_key {
        select = select.filter(topic::Column::CategoryKey.eq(category.clone()));
    }
    if let Some(t) = &q.tag {
        let with_tag = Query::select()
            .column(tag::Column::TopicId)
            .from(tag::Entity)
            .and_where(Expr::col(tag::Column::Tag).eq(t.clone()))
            .to_owned();
        select = select.filter(topic::Column::Id.in_subquery(with_tag));
    }
    if let Some(author) = q.author {
        select = select.filter(topic::Column::AuthorId.eq(author.0));
    }
    for word in &q.words {
        select = select.filter(
            Expr::col(topic::Column::SearchText)
                .like(LikeExpr::new(contains_pattern(word)).escape('\\')),
        );
    }
    match q.hidden {
        HiddenFilter::All => {}
        HiddenFilter::None => select = select.filter(topic::Column::Hidden.eq(false)),
        HiddenFilter::Own { user, admin_of } => {
            let mut visible = Condition::any()
                .add(topic::Column::Hidden.eq(false))
                .add(topic::Column::AuthorId.eq(user.0));
            if let Some(org) = admin_of {
                visible = visible.add(topic::Column::OrganizationId.eq(org.0));
            }
            select = select.filter(visible);
        }
    }
    if q.sort == TopicSort::Unanswered {
        select = select
            .filter(topic::Column::ReplyCount.eq(0))
            .filter(topic::Column::BestAnswerPostId.is_null());
    }
    select
}

pub(super) async fn list(
    conn: &impl ConnectionTrait,
    q: &TopicQuery,
    cursor: Option<&TopicCursor>,
    limit: u64,
) -> Result<Vec<TopicRecord>, DomainError> {
    if q.sort == TopicSort::Trending {
        return Err(DomainError::internal(std::io::Error::other(
            "trending lists are ranked by crate::trending",
        )));
    }
    let mut select = filtered(q);
    if let Some(c) = cursor {
        if c.s != q.sort {
            return Err(invalid_cursor());
        }
        select = select.filter(after(c)?);
    }
    let select = select
        .order_by_desc(topic::Column::Pinned)
        .order_by_desc(key_column(q.sort))
        .order_by_desc(topic::Column::Id);
    first(conn, select, limit).await
}

/// The first `limit` topics of an ordered query, decoded.
async fn first(
    conn: &impl ConnectionTrait,
    select: Select<topic::Entity>,
    limit: u64,
) -> Result<Vec<TopicRecord>, DomainError> {
    let rows = select.limit(limit).all(conn).await.map_err(db_error)?;
    rows.into_iter().map(super::sql::record).collect()
}

/// Some engagement: a reply, an upvote or a second participant.
fn engaged() -> Condition {
    Condition::any()
        .add(topic::Column::ReplyCount.gt(0))
        .add(topic::Column::UpvoteCount.gt(0))
        .add(topic::Column::ParticipantCount.gt(1))
}

/// Topics of the query with some engagement and active since `since`.
pub(super) async fn trending_candidates(
    conn: &impl ConnectionTrait,
    q: &TopicQuery,
    since: OffsetDateTime,
) -> Result<Vec<TopicRecord>, DomainError> {
    let rows = filtered(q)
        .filter(topic::Column::LastActivityAt.gte(STORED.to_db(since)))
        .filter(engaged())
        .all(conn)
        .await
        .map_err(db_error)?;
    rows.into_iter().map(super::sql::record).collect()
}

/// The other topics of the query (no engagement, or inactive since
/// `since`) with this pin state, by id descending, ids below `before`.
pub(super) async fn quiet_topics(
    conn: &impl ConnectionTrait,
    q: &TopicQuery,
    since: OffsetDateTime,
    pinned: bool,
    before: Option<TopicId>,
    limit: u64,
) -> Result<Vec<TopicRecord>, DomainError> {
    let mut select = filtered(q).filter(topic::Column::Pinned.eq(pinned)).filter(
        Condition::any()
            .add(topic::Column::LastActivityAt.lt(STORED.to_db(since)))
            .add(engaged().not()),
    );
    if let Some(before) = before {
        select = select.filter(topic::Column::Id.lt(before.0));
    }
    first(conn, select.order_by_desc(topic::Column::Id), limit).await
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
