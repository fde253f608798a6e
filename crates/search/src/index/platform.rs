//! The platform's figures for the dashboard: published documents per kind,
//! read from the `search_platform_totals` row that triggers keep exact as
//! documents are written (migration `m20261210_000100_search_platform_totals`),
//! and the organizations with a user document, counted from the partial
//! index over the user documents.

use super::{SearchIndex, get};
use p2p_kernel::DomainError;
use p2p_kernel::persistence::stored;
use sea_orm::QueryResult;

/// The whole platform's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlatformCounts {
    /// Published user documents (active users).
    pub users: u64,
    /// Organizations with at least one user document.
    pub organizations: u64,
    /// Published topics.
    pub topics: u64,
    /// Published posts.
    pub posts: u64,
    /// Published use cases.
    pub use_cases: u64,
}

const ORGANIZATIONS: &str =
    "SELECT COUNT(DISTINCT organization_id) FROM search_documents WHERE kind = 'user'";

impl SearchIndex {
    /// The platform's figures from the read model: one row and an
    /// index-only count of the user documents' organizations, in one
    /// statement. Without the row (removed by hand) the figures are
    /// counted from the documents, as [`SearchIndex::platform_counts_scanned`].
    pub async fn platform_counts(&self) -> Result<PlatformCounts, DomainError> {
        let rows = self
            .query(
                &format!(
                    "SELECT users, topics, posts, use_cases, ({ORGANIZATIONS}) AS organizations
                     FROM search_platform_totals"
                ),
                vec![],
            )
            .await?;
        match rows.first() {
            Some(row) => counts(row),
            None => {
                tracing::warn!("search_platform_totals has no row: counting the documents");
                self.platform_counts_scanned().await
            }
        }
    }

    /// The platform's figures counted from every document: a scan of the
    /// whole index, which the read model replaces. What the read model must
    /// equal (tests, and an operator's check).
    pub async fn platform_counts_scanned(&self) -> Result<PlatformCounts, DomainError> {
        let rows = self
            .query(
                &format!(
                    "SELECT COUNT(CASE WHEN kind = 'user' THEN 1 END) AS users,
                        COUNT(CASE WHEN kind = 'topic' THEN 1 END) AS topics,
                        COUNT(CASE WHEN kind = 'post' THEN 1 END) AS posts,
                        COUNT(CASE WHEN kind = 'use_case' THEN 1 END) AS use_cases,
                        ({ORGANIZATIONS}) AS organizations
                     FROM search_documents WHERE published = 1"
                ),
                vec![],
            )
            .await?;
        rows.first().map_or(Ok(PlatformCounts::default()), counts)
    }
}

fn counts(row: &QueryResult) -> Result<PlatformCounts, DomainError> {
    let count = |column: &str| stored(column, get::<i64>(row, column)?);
    Ok(PlatformCounts {
        users: count("users")?,
        organizations: count("organizations")?,
        topics: count("topics")?,
        posts: count("posts")?,
        use_cases: count("use_cases")?,
    })
}
