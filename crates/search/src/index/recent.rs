//! The newest documents (PostgreSQL): `search_recent` holds the words of
//! the documents created at or after `search_recent_cutoff` (triggers on
//! `search_documents` keep it; migration `m20261210_000090_search_recent`).
//! A search ranks the [`CANDIDATES`] newest matches; it looks for them among
//! the newest documents first, and only when those hold fewer than
//! [`CANDIDATES`] matches among all of them: two common words (thousands of
//! documents hold both) then cost a tenth of the work (`docs/benchmarks.md`,
//! search). The index prunes the table as it writes: after every
//! [`PRUNE_AFTER_WRITES`] documents, the cutoff moves to the
//! [`RECENT_DOCUMENTS`]th newest document and older rows go.

use super::query::{CANDIDATES, COLUMNS, RECENCY, SNIPPET_SOURCE_CHARS};
use super::{SearchIndex, get};
use p2p_kernel::DomainError;
use sea_orm::QueryResult;

/// Documents the newest-documents table keeps after a prune.
pub const RECENT_DOCUMENTS: u64 = 100_000;
/// Documents an index writes between two prunes: the table holds at most
/// about this many more than [`RECENT_DOCUMENTS`].
pub const PRUNE_AFTER_WRITES: u64 = 10_000;

impl SearchIndex {
    /// Moves the cutoff forward to the `keep`th newest document of
    /// `search_recent` (never back) and removes the rows older than it;
    /// returns how many. Safe beside writers and other instances: a document
    /// written with an older cutoff is at worst a row older than the cutoff,
    /// which searches ignore and the next prune removes. SQLite: nothing.
    pub async fn prune_recent(&self, keep: u64) -> Result<u64, DomainError> {
        if !self.is_postgres() || keep == 0 {
            return Ok(0);
        }
        self.execute(
            "UPDATE search_recent_cutoff c SET created_at = n.created_at
             FROM (SELECT created_at FROM search_recent
                   ORDER BY created_at DESC OFFSET $1 LIMIT 1) n
             WHERE c.created_at < n.created_at",
            vec![super::to_i64(keep - 1).into()],
        )
        .await?;
        self.execute(
            "DELETE FROM search_recent
             WHERE created_at < (SELECT created_at FROM search_recent_cutoff)",
            vec![],
        )
        .await
    }

    /// Counts `written` documents; prunes when they cross a multiple of
    /// [`PRUNE_AFTER_WRITES`].
    pub(super) async fn note_written(&self, written: usize) -> Result<(), DomainError> {
        let written = u64::try_from(written).unwrap_or(u64::MAX);
        let before = self
            .written
            .fetch_add(written, std::sync::atomic::Ordering::Relaxed);
        if before / PRUNE_AFTER_WRITES != (before + written) / PRUNE_AFTER_WRITES {
            self.prune_recent(RECENT_DOCUMENTS).await?;
        }
        Ok(())
    }
}

/// Where the candidates of a PostgreSQL search come from.
#[derive(Clone, Copy)]
pub(super) enum Candidates {
    /// The newest documents (`search_recent`): about [`RECENT_DOCUMENTS`]
    /// however large the index.
    Recent,
    /// Every document: when the newest ones hold fewer than [`CANDIDATES`]
    /// matches.
    All,
}

/// A PostgreSQL search but for where its candidates come from.
pub(super) struct Ranked {
    /// The tsquery, inlined (it holds only letters, digits and `( ) | &`), so
    /// the planner estimates its selectivity and walks the recency index for
    /// frequent words, the GIN index for rare ones.
    pub tsq: String,
    pub filters: String,
    pub after: String,
    pub limit: String,
}

impl Ranked {
    /// The page of hits, each row with the number of candidates ranked.
    pub fn sql(&self, from: Candidates) -> String {
        let Self {
            tsq,
            filters,
            after,
            limit,
        } = self;
        let candidates = match from {
            Candidates::Recent => format!(
                "SELECT d.* FROM search_recent r
                 JOIN search_documents d ON d.kind = r.kind AND d.id = r.id
                 WHERE r.tsv @@ {tsq}
                   AND r.created_at >= (SELECT created_at FROM search_recent_cutoff)
                   AND {filters}
                 ORDER BY r.created_at DESC LIMIT {CANDIDATES}"
            ),
            Candidates::All => format!(
                "SELECT d.* FROM search_documents d
                 WHERE d.tsv @@ {tsq} AND {filters}
                 ORDER BY d.created_at DESC LIMIT {CANDIDATES}"
            ),
        };
        format!(
            "SELECT h.kind, h.id, h.parent_id, h.organization_id, h.author_id, h.title,
               h.created_at, h.score, left(h.body, {SNIPPET_SOURCE_CHARS}) AS text, h.candidates
             FROM (
               SELECT {COLUMNS}, d.body, COUNT(*) OVER () AS candidates,
                 ROUND(CAST(ts_rank_cd('{{0.1, 0.2, 0.4, 1.0}}', d.tsv, {tsq}, 32) + {RECENCY} AS numeric), 6)::float8 AS score
               FROM ({candidates}) d
             ) h {after}
             ORDER BY h.score DESC, h.kind DESC, h.id DESC
             LIMIT {limit}"
        )
    }
}

/// How many candidates the rows' query ranked (0 without rows).
pub(super) fn candidates_of(rows: &[QueryResult]) -> Result<i64, DomainError> {
    rows.first().map_or(Ok(0), |r| get(r, "candidates"))
}
