//! Full-text queries: match, filter by visibility and facets, rank (title
//! over tags over body, plus a recency boost), keyset-paginate.
//!
//! Both backends match the terms of the analysis chain (`crate::analysis`),
//! stored beside the original text: PostgreSQL's `simple` configuration and
//! FTS5's `unicode61` tokenizer only split them on spaces, so the same terms
//! match on both. Snippets are cut in Rust from the original text
//! (`text::mark_matches`).
//!
//! Score = relevance + 0.1 per year since 2025 of the document's creation,
//! rounded to 6 decimals. The recency term is a function of the document
//! alone, so on PostgreSQL (`ts_rank_cd`, which only depends on the
//! document) a document's score is stable and pages neither skip nor repeat.
//! On SQLite relevance is FTS5's `bm25` (weights 10/5/1), whose corpus
//! statistics move slightly as documents are added.
//!
//! Only the [`CANDIDATES`] newest matches are ranked (see there).

use super::recent::{Candidates, Ranked, candidates_of};
use super::{DocumentHead, SearchIndex, from_ms, get};
use crate::document::Kind;
use p2p_kernel::DomainError;
use sea_orm::{QueryResult, Value};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Matches ranked at most per query: the newest ones. Ranking every match of
/// a frequent word costs a heap visit and a rank per match (over a second
/// for 100,000 matches); the newest ones are found by walking the recency
/// index, which visits about `CANDIDATES / frequency` rows (a word in 1 of
/// 15 documents: 3,000 rows for 200, 15,000 for 1,000; measured on 1.15
/// million documents: p99 147 ms at 1,000, see `tests/bench/search.rs`).
/// Ten pages of 20; deeper results are not served.
pub const CANDIDATES: u32 = 200;

/// The columns of a hit's head.
pub(super) const COLUMNS: &str =
    "d.kind, d.id, d.parent_id, d.organization_id, d.author_id, d.title, d.created_at";
/// The recency boost of a document `d`: 0.1 per year since 2025-01-01
/// (1,735,689,600,000 in epoch milliseconds; a year of 365 days).
pub(super) const RECENCY: &str = "0.1 * (d.created_at - 1735689600000) / 31536000000.0";

/// Characters of a body a snippet is cut from.
pub(super) const SNIPPET_SOURCE_CHARS: u32 = 4000;

/// Where a results page ends (the next one starts strictly after it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchPosition {
    pub score: f64,
    pub kind: String,
    pub id: String,
}

/// A validated query against the index.
#[derive(Clone, Debug, Default)]
pub struct IndexQuery {
    /// Every group must match; a group matches when one of its terms
    /// (analyzed words, see `crate::analysis::term`) does.
    pub groups: Vec<Vec<String>>,
    pub kinds: Vec<Kind>,
    /// The caller's organization: its drafts are visible to it.
    pub viewer_org: Option<Uuid>,
    /// Platform operators see every draft.
    pub see_all: bool,
    pub organization_id: Option<Uuid>,
    pub tag: Option<String>,
    pub industry: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub after: Option<SearchPosition>,
    pub limit: u64,
}

/// One matching document.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub head: DocumentHead,
    /// The start of the body (empty for documents without one), where the
    /// snippet is cut from.
    pub text: String,
    pub score: f64,
    pub created_at: OffsetDateTime,
}

impl Hit {
    pub fn position(&self) -> SearchPosition {
        SearchPosition {
            score: self.score,
            kind: self.head.kind.as_str().to_owned(),
            id: self.head.id.to_string(),
        }
    }
}

struct Params(Vec<Value>);

impl Params {
    fn push(&mut self, v: impl Into<Value>) -> String {
        self.0.push(v.into());
        format!("${}", self.0.len())
    }
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

impl SearchIndex {
    /// Up to `limit + 1` hits in rank order.
    pub async fn search(&self, q: &IndexQuery) -> Result<Vec<Hit>, DomainError> {
        if q.groups.is_empty() || q.kinds.is_empty() {
            return Ok(Vec::new());
        }
        let pg = self.is_postgres();
        let mut p = Params(Vec::new());
        let match_expr = if pg {
            q.groups
                .iter()
                .map(|g| format!("({})", g.join(" | ")))
                .collect::<Vec<_>>()
                .join(" & ")
        } else {
            q.groups
                .iter()
                .map(|g| {
                    let alts: Vec<String> = g.iter().map(|w| format!("\"{w}\"")).collect();
                    format!("({})", alts.join(" OR "))
                })
                .collect::<Vec<_>>()
                .join(" AND ")
        };
        let ts_literal = if pg {
            // Terms are letters and digits only; anything else is dropped
            // so nothing can end the literal.
            match_expr
                .chars()
                .filter(|c| c.is_alphanumeric() || " ()|&".contains(*c))
                .collect::<String>()
        } else {
            String::new()
        };
        let m = if pg {
            String::new()
        } else {
            p.push(match_expr)
        };
        let filters = filters(q, &mut p);
        let after = after(q, &mut p);
        let limit = p.push(i64::try_from(q.limit).unwrap_or(100));
        if pg {
            let ranked = Ranked {
                tsq: format!("to_tsquery('simple', '{ts_literal}')"),
                filters,
                after,
                limit,
            };
            // The newest documents first (`search_recent`): when they hold
            // every candidate, those are the newest matches of the whole index.
            let mut rows = self
                .query(&ranked.sql(Candidates::Recent), p.0.clone())
                .await?;
            if candidates_of(&rows)? < i64::from(CANDIDATES) {
                rows = self.query(&ranked.sql(Candidates::All), p.0).await?;
            }
            return hits(&rows);
        }
        let sql = format!(
            "WITH hits AS MATERIALIZED (
               SELECT {COLUMNS},
                 ROUND(-bm25(search_fts, 10.0, 5.0, 1.0) + {RECENCY}, 6) AS score,
                 substr(d.body, 1, {SNIPPET_SOURCE_CHARS}) AS text
               FROM search_fts JOIN search_documents d ON d.seq = search_fts.rowid
               WHERE search_fts MATCH {m} AND {filters}
               ORDER BY d.created_at DESC LIMIT {CANDIDATES}
             )
             SELECT * FROM hits h {after}
             ORDER BY h.score DESC, h.kind DESC, h.id DESC
             LIMIT {limit}"
        );
        hits(&self.query(&sql, p.0).await?)
    }
}

/// The conditions every candidate `d` meets: searchable, of the kinds asked,
/// visible to the viewer, and the facets.
fn filters(q: &IndexQuery, p: &mut Params) -> String {
    let mut filters = vec!["d.searchable = 1".to_owned()];
    let kinds: Vec<String> = q.kinds.iter().map(|k| p.push(k.as_str())).collect();
    filters.push(format!("d.kind IN ({})", kinds.join(", ")));
    if !q.see_all {
        let org = p.push(q.viewer_org.map(|o| o.to_string()));
        filters.push(format!("(d.published = 1 OR d.organization_id = {org})"));
    }
    if let Some(org) = q.organization_id {
        filters.push(format!("d.organization_id = {}", p.push(org.to_string())));
    }
    if let Some(tag) = &q.tag {
        let pattern = format!("%\n{}\n%", like_escape(&tag.to_lowercase()));
        filters.push(format!("d.tags LIKE {} ESCAPE '\\'", p.push(pattern)));
    }
    if let Some(industry) = &q.industry {
        filters.push(format!(
            "LOWER(d.industry) = {}",
            p.push(industry.to_lowercase())
        ));
    }
    if let Some(from) = q.from {
        filters.push(format!("d.created_at >= {}", p.push(from)));
    }
    if let Some(to) = q.to {
        filters.push(format!("d.created_at < {}", p.push(to)));
    }
    filters.join(" AND ")
}

/// The keyset condition on a hit `h`: strictly after the previous page's end.
fn after(q: &IndexQuery, p: &mut Params) -> String {
    match &q.after {
        Some(a) => {
            let (s, k, i) = (
                p.push(a.score),
                p.push(a.kind.clone()),
                p.push(a.id.clone()),
            );
            format!("WHERE h.score < {s} OR (h.score = {s} AND (h.kind, h.id) < ({k}, {i}))")
        }
        None => String::new(),
    }
}

fn hits(rows: &[QueryResult]) -> Result<Vec<Hit>, DomainError> {
    rows.iter()
        .map(|r| {
            Ok(Hit {
                head: DocumentHead::from_row(r)?,
                text: get::<Option<String>>(r, "text")?.unwrap_or_default(),
                score: get(r, "score")?,
                created_at: from_ms(get(r, "created_at")?)?,
            })
        })
        .collect()
}
