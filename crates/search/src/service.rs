//! [`SearchService`]: what the HTTP shell calls, implemented by [`IndexSearch`].

use crate::index::{IndexQuery, SearchIndex, SearchPosition};
use crate::text::{highlight, words};
use crate::types::{SearchHit, SearchParams, SearchScope};
use async_trait::async_trait;
use p2p_kernel::FieldCode;
use p2p_kernel::{Actor, DomainError, Page, PageRequest};

const MAX_QUERY_CHARS: usize = 200;
const MAX_QUERY_WORDS: usize = 10;

/// Search across users, topics, posts and use cases, for the calling [`Actor`].
#[async_trait]
pub trait SearchService: Send + Sync {
    /// One page of hits, best first, of what `actor` may see.
    async fn search(
        &self,
        actor: &Actor,
        scope: SearchScope,
        params: SearchParams,
        page: PageRequest,
    ) -> Result<Page<SearchHit>, DomainError>;

    /// The index it reads (rebuilds, dashboards and benchmarks share it).
    fn index(&self) -> &SearchIndex;
}

/// [`SearchService`] over the [`SearchIndex`].
///
/// Visibility: forum content, published use cases and active users' profiles
/// are visible to every signed-in user; drafts only to their organization
/// (and platform operators); deactivated users are not in the index at all.
#[derive(Clone)]
pub struct IndexSearch {
    index: SearchIndex,
}

impl IndexSearch {
    pub fn new(index: SearchIndex) -> Self {
        Self { index }
    }
}

#[async_trait]
impl SearchService for IndexSearch {
    fn index(&self) -> &SearchIndex {
        &self.index
    }

    async fn search(
        &self,
        actor: &Actor,
        scope: SearchScope,
        params: SearchParams,
        page: PageRequest,
    ) -> Result<Page<SearchHit>, DomainError> {
        let q = params.q.trim();
        if q.is_empty() || q.chars().count() > MAX_QUERY_CHARS {
            return Err(DomainError::invalid_field(
                "q",
                FieldCode::InvalidQuery,
                format!("give 1 to {MAX_QUERY_CHARS} characters to search for"),
            ));
        }
        let terms = words(q);
        if terms.is_empty() || terms.len() > MAX_QUERY_WORDS {
            return Err(DomainError::invalid_field(
                "q",
                FieldCode::InvalidQuery,
                format!("give 1 to {MAX_QUERY_WORDS} words (letters or digits)"),
            ));
        }
        let kinds = match params.kind {
            Some(kind) if scope.kinds().contains(&kind) => vec![kind],
            Some(_) => {
                return Err(DomainError::invalid_field(
                    "kind",
                    FieldCode::InvalidKind,
                    "this endpoint does not search that kind",
                ));
            }
            None => scope.kinds().to_vec(),
        };
        if let (Some(from), Some(to)) = (params.from, params.to)
            && from > to
        {
            return Err(DomainError::invalid_field(
                "from",
                FieldCode::InvalidRange,
                "`from` must not be after `to`",
            ));
        }
        let after: Option<SearchPosition> = page.position()?;
        let query = IndexQuery {
            groups: self.index.expand(&terms).await?,
            kinds,
            viewer_org: Some(actor.org_id.0),
            see_all: actor.is_superuser,
            organization_id: params.organization_id,
            tag: params.tag.filter(|t| !t.trim().is_empty()),
            industry: params.industry.filter(|t| !t.trim().is_empty()),
            from: params.from.map(crate::index_ms),
            to: params.to.map(crate::index_ms),
            after,
            limit: page.fetch_limit(),
        };
        let hits = self.index.search(&query).await?;
        Ok(
            Page::from_rows(hits, &page, |h| h.position()).map(|h| SearchHit {
                kind: h.head.kind,
                id: h.head.id,
                snippet: highlight(if h.raw_snippet.is_empty() {
                    &h.head.title
                } else {
                    &h.raw_snippet
                }),
                title: h.head.title,
                score: h.score,
                organization_id: h.head.organization_id,
                author_id: h.head.author_id,
                topic_id: h.head.parent_id,
                created_at: h.created_at,
            }),
        )
    }
}
