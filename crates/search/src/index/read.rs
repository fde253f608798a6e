//! Reads for the dashboard: an author's and an organization's totals per
//! kind, the activity feed, engagement of recent content, and the stored
//! trending scores (the platform's figures: `platform`).

use super::{DocumentHead, SearchIndex, from_ms, get, parse_kind, parse_uuid, to_ms};
use crate::document::{Kind, Metrics};
use p2p_kernel::DomainError;
use p2p_kernel::persistence::{begin_write, db_error, stored};
use sea_orm::{ConnectionTrait, Value};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// Whose content a total covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatsScope {
    /// Written by one user (drafts included).
    Author(Uuid),
    /// Owned by one organization (drafts included).
    Organization(Uuid),
}

/// Totals of one kind of document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KindTotals {
    pub count: u64,
    pub upvotes: u64,
    pub best_answers: u64,
    pub views: u64,
}

/// An entry of the activity feed.
#[derive(Clone, Debug, PartialEq)]
pub struct ActivityRow {
    pub head: DocumentHead,
    pub body: String,
    pub created_at: OffsetDateTime,
}

/// A topic or published use case with its engagement counters.
#[derive(Clone, Debug, PartialEq)]
pub struct EngagementRow {
    pub kind: Kind,
    pub id: Uuid,
    pub metrics: Metrics,
    pub created_at: OffsetDateTime,
    pub active_at: OffsetDateTime,
}

/// A stored trending score with its explanation (JSON) and the item's title.
#[derive(Clone, Debug, PartialEq)]
pub struct TrendingRow {
    pub kind: Kind,
    pub id: Uuid,
    pub organization_id: Option<Uuid>,
    pub title: String,
    pub score: f64,
    pub components: serde_json::Value,
    pub refreshed_at: OffsetDateTime,
}

const TOTALS: &str = "SELECT kind, COUNT(*) AS n,
    CAST(COALESCE(SUM(upvotes), 0) AS BIGINT) AS upvotes,
    CAST(COALESCE(SUM(best_answer), 0) AS BIGINT) AS best,
    CAST(COALESCE(SUM(views), 0) AS BIGINT) AS views
    FROM search_documents WHERE ";

impl SearchIndex {
    /// Totals per kind within a scope (an index range; the platform's
    /// figures are [`SearchIndex::platform_counts`]).
    pub async fn totals(
        &self,
        scope: StatsScope,
    ) -> Result<HashMap<Kind, KindTotals>, DomainError> {
        let (filter, values): (&str, Vec<Value>) = match scope {
            StatsScope::Author(id) => ("author_id = $1 GROUP BY kind", vec![id.to_string().into()]),
            StatsScope::Organization(id) => (
                "organization_id = $1 GROUP BY kind",
                vec![id.to_string().into()],
            ),
        };
        let rows = self.query(&format!("{TOTALS}{filter}"), values).await?;
        let mut out = HashMap::new();
        for r in &rows {
            let Some(kind) = Kind::parse(&get::<String>(r, "kind")?) else {
                continue;
            };
            out.insert(
                kind,
                KindTotals {
                    count: stored("n", get::<i64>(r, "n")?)?,
                    upvotes: stored("upvotes", get::<i64>(r, "upvotes")?)?,
                    best_answers: stored("best", get::<i64>(r, "best")?)?,
                    views: stored("views", get::<i64>(r, "views")?)?,
                },
            );
        }
        Ok(out)
    }

    /// Recent activity visible to a member of `viewer_org`: topics, replies,
    /// published use cases, and new members of that organization; newest
    /// first, strictly after `after` (created_at ms, kind, id).
    pub async fn activity(
        &self,
        viewer_org: Uuid,
        after: Option<(i64, String, String)>,
        limit: u64,
    ) -> Result<Vec<ActivityRow>, DomainError> {
        let mut values: Vec<Value> = vec![viewer_org.to_string().into()];
        let cursor = match after {
            Some((t, k, i)) => {
                values.extend([t.into(), k.into(), i.into()]);
                "AND (created_at < $2 OR (created_at = $2 AND (kind, id) < ($3, $4)))"
            }
            None => "",
        };
        values.push(i64::try_from(limit).unwrap_or(100).into());
        let n = values.len();
        let sql = format!(
            "SELECT kind, id, parent_id, organization_id, author_id, title, body, created_at
             FROM search_documents
             WHERE searchable = 1
               AND (kind IN ('topic', 'post') OR (kind = 'use_case' AND published = 1)
                    OR (kind = 'user' AND organization_id = $1))
               {cursor}
             ORDER BY created_at DESC, kind DESC, id DESC LIMIT ${n}"
        );
        let rows = self.query(&sql, values).await?;
        rows.iter()
            .map(|r| {
                Ok(ActivityRow {
                    head: DocumentHead::from_row(r)?,
                    body: get(r, "body")?,
                    created_at: from_ms(get(r, "created_at")?)?,
                })
            })
            .collect()
    }

    /// Topics and published use cases active since `since`.
    pub async fn engagement_since(
        &self,
        since: OffsetDateTime,
    ) -> Result<Vec<EngagementRow>, DomainError> {
        let rows = self
            .query(
                "SELECT kind, id, replies, upvotes, participants, views, created_at, active_at
                 FROM search_documents
                 WHERE (kind = 'topic' OR (kind = 'use_case' AND published = 1)) AND active_at >= $1",
                vec![to_ms(since).into()],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(EngagementRow {
                    kind: parse_kind(&get::<String>(r, "kind")?)?,
                    id: parse_uuid(&get::<String>(r, "id")?)?,
                    metrics: Metrics {
                        replies: stored("replies", get::<i64>(r, "replies")?)?,
                        upvotes: stored("upvotes", get::<i64>(r, "upvotes")?)?,
                        participants: stored("participants", get::<i64>(r, "participants")?)?,
                        views: stored("views", get::<i64>(r, "views")?)?,
                        best_answer: false,
                    },
                    created_at: from_ms(get(r, "created_at")?)?,
                    active_at: from_ms(get(r, "active_at")?)?,
                })
            })
            .collect()
    }

    /// Replaces every stored trending score (one transaction).
    ///
    /// Replacements are serialized: on PostgreSQL two refreshes (two
    /// instances, or a refresh beside the bench's) would otherwise both
    /// delete the rows they see and both insert, and the second would meet
    /// the first's new rows (duplicate key). The table lock conflicts with
    /// itself and with writes, not with reads, so the listing keeps reading
    /// the previous scores until the commit; the delete, a later statement,
    /// sees whatever a previous replacement committed. SQLite's write
    /// transaction is already exclusive.
    pub async fn replace_trending(
        &self,
        scores: &[(Kind, Uuid, f64, serde_json::Value)],
        at: OffsetDateTime,
    ) -> Result<(), DomainError> {
        let txn = begin_write(&self.db).await?;
        if self.is_postgres() {
            txn.execute_raw(self.statement(
                "LOCK TABLE trending_scores IN SHARE ROW EXCLUSIVE MODE",
                vec![],
            ))
            .await
            .map_err(db_error)?;
        }
        txn.execute_raw(self.statement("DELETE FROM trending_scores", vec![]))
            .await
            .map_err(db_error)?;
        for chunk in scores.chunks(100) {
            let mut sql = String::from(
                "INSERT INTO trending_scores (kind, id, score, components, refreshed_at) VALUES ",
            );
            let mut values: Vec<Value> = Vec::new();
            for (i, (kind, id, score, components)) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                let b = i * 5;
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5
                ));
                values.extend([
                    kind.as_str().into(),
                    id.to_string().into(),
                    (*score).into(),
                    components.to_string().into(),
                    to_ms(at).into(),
                ]);
            }
            txn.execute_raw(self.statement(&sql, values))
                .await
                .map_err(db_error)?;
        }
        txn.commit().await.map_err(db_error)
    }

    /// Stored trending scores, highest first, strictly after `after`
    /// (score, kind, id); only items still in the index.
    pub async fn trending(
        &self,
        after: Option<(f64, String, String)>,
        limit: u64,
    ) -> Result<Vec<TrendingRow>, DomainError> {
        let mut values: Vec<Value> = Vec::new();
        let cursor = match after {
            Some((s, k, i)) => {
                values.extend([s.into(), k.into(), i.into()]);
                "WHERE t.score < $1 OR (t.score = $1 AND (t.kind, t.id) > ($2, $3))"
            }
            None => "",
        };
        values.push(i64::try_from(limit).unwrap_or(100).into());
        let n = values.len();
        let sql = format!(
            "SELECT t.kind, t.id, t.score, t.components, t.refreshed_at, d.title, d.organization_id
             FROM trending_scores t
             JOIN search_documents d ON d.kind = t.kind AND d.id = t.id
             {cursor}
             ORDER BY t.score DESC, t.kind ASC, t.id ASC LIMIT ${n}"
        );
        let rows = self.query(&sql, values).await?;
        rows.iter()
            .map(|r| {
                let components: String = get(r, "components")?;
                Ok(TrendingRow {
                    kind: parse_kind(&get::<String>(r, "kind")?)?,
                    id: parse_uuid(&get::<String>(r, "id")?)?,
                    organization_id: get::<Option<String>>(r, "organization_id")?
                        .map(|s| parse_uuid(&s))
                        .transpose()?,
                    title: get(r, "title")?,
                    score: get(r, "score")?,
                    components: serde_json::from_str(&components)
                        .map_err(|e| DomainError::corrupt("trending components", e))?,
                    refreshed_at: from_ms(get(r, "refreshed_at")?)?,
                })
            })
            .collect()
    }
}
