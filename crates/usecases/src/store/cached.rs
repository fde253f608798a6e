//! [`FacetCache`]: a [`UseCaseStore`] decorator that serves facet counts from
//! the kernel [`Cache`] port, keyed by the normalized filter under a
//! generation that every write through the store replaces. Counts are exact
//! for every reader that starts after a write returned; the TTL
//! ([`FACET_TTL`]) bounds how long counts can lag writes made around this
//! decorator (another process writing the database directly).

use super::{DocStream, ListQuery, Position, UseCaseStore};
use crate::doc::UseCaseDoc;
use crate::types::{Facets, Sort};
use async_trait::async_trait;
use p2p_kernel::DomainError;
use p2p_kernel::ports::Cache;
use sea_orm::DatabaseTransaction;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// How long cached facet counts live at most.
pub const FACET_TTL: Duration = Duration::from_secs(30);
const GENERATION: &str = "usecases:facets:generation";
/// The generation lives longer than any counts stored under it.
const GENERATION_TTL: Duration = Duration::from_secs(24 * 3600);

/// Caches [`UseCaseStore::facets`]; everything else goes straight to `inner`.
pub struct FacetCache {
    inner: Arc<dyn UseCaseStore>,
    cache: Arc<dyn Cache>,
}

impl FacetCache {
    pub fn new(inner: Arc<dyn UseCaseStore>, cache: Arc<dyn Cache>) -> Self {
        Self { inner, cache }
    }

    /// The current generation (created when absent).
    async fn generation(&self) -> Option<String> {
        match self.cache.get(GENERATION).await {
            Ok(Some(g)) => return Some(String::from_utf8_lossy(&g).into_owned()),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "facet cache unavailable");
                return None;
            }
        }
        let fresh = Uuid::new_v4().simple().to_string();
        match self
            .cache
            .set_if_absent(GENERATION, fresh.as_bytes(), GENERATION_TTL)
            .await
        {
            Ok(true) => Some(fresh),
            Ok(false) => self
                .cache
                .get(GENERATION)
                .await
                .ok()
                .flatten()
                .map(|g| String::from_utf8_lossy(&g).into_owned()),
            Err(e) => {
                tracing::warn!(error = %e, "facet cache unavailable");
                None
            }
        }
    }

    /// Starts a new generation: counts cached before are never read again.
    async fn invalidate(&self) {
        let fresh = Uuid::new_v4().simple().to_string();
        if let Err(e) = self
            .cache
            .set(GENERATION, fresh.as_bytes(), GENERATION_TTL)
            .await
        {
            // Readers fall back to the TTL; deleting is the second chance.
            tracing::warn!(error = %e, "facet cache not invalidated");
            let _ = self.cache.delete(GENERATION).await;
        }
    }
}

/// The cache key of a query's facets: the sort does not change the counts.
fn facet_key(generation: &str, q: &ListQuery) -> String {
    let mut q = q.clone();
    q.sort = Sort::Latest;
    format!(
        "usecases:facets:{generation}:{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        q.status.as_str(),
        q.organization,
        q.submitted_by,
        q.industry,
        q.technology,
        q.tag,
        q.city,
        q.words
    )
}

#[async_trait]
impl UseCaseStore for FacetCache {
    async fn insert(&self, doc: &UseCaseDoc) -> Result<(), DomainError> {
        let done = self.inner.insert(doc).await;
        self.invalidate().await;
        done
    }

    async fn insert_many(&self, docs: &[UseCaseDoc]) -> Result<(), DomainError> {
        let done = self.inner.insert_many(docs).await;
        self.invalidate().await;
        done
    }

    async fn get(&self, id: Uuid) -> Result<Option<UseCaseDoc>, DomainError> {
        self.inner.get(id).await
    }

    async fn get_many(&self, ids: &[Uuid]) -> Result<Vec<UseCaseDoc>, DomainError> {
        self.inner.get_many(ids).await
    }

    async fn replace(&self, doc: &UseCaseDoc) -> Result<bool, DomainError> {
        let done = self.inner.replace(doc).await;
        self.invalidate().await;
        done
    }

    async fn replace_in(
        &self,
        txn: &DatabaseTransaction,
        doc: &UseCaseDoc,
    ) -> Result<Option<bool>, DomainError> {
        self.inner.replace_in(txn, doc).await
    }

    async fn committed(&self) {
        self.inner.committed().await;
        self.invalidate().await;
    }

    async fn delete(&self, id: Uuid) -> Result<bool, DomainError> {
        let done = self.inner.delete(id).await;
        self.invalidate().await;
        done
    }

    async fn list(
        &self,
        query: &ListQuery,
        after: Option<Position>,
        limit: u64,
    ) -> Result<Vec<UseCaseDoc>, DomainError> {
        self.inner.list(query, after, limit).await
    }

    async fn scan(&self, query: &ListQuery, batch: u64) -> Result<Option<DocStream>, DomainError> {
        self.inner.scan(query, batch).await
    }

    async fn facets(&self, query: &ListQuery) -> Result<Facets, DomainError> {
        let Some(generation) = self.generation().await else {
            return self.inner.facets(query).await;
        };
        let key = facet_key(&generation, query);
        if let Ok(Some(bytes)) = self.cache.get(&key).await
            && let Ok(facets) = serde_json::from_slice::<Facets>(&bytes)
        {
            return Ok(facets);
        }
        let facets = self.inner.facets(query).await?;
        if let Ok(bytes) = serde_json::to_vec(&facets)
            && let Err(e) = self.cache.set(&key, &bytes, FACET_TTL).await
        {
            tracing::warn!(error = %e, "facets not cached");
        }
        Ok(facets)
    }

    async fn add_view(&self, id: Uuid) -> Result<(), DomainError> {
        self.inner.add_view(id).await
    }

    async fn count_by_org(&self, org: Uuid) -> Result<u64, DomainError> {
        self.inner.count_by_org(org).await
    }

    async fn published_per_day(
        &self,
        org: Uuid,
        since: time::Date,
    ) -> Result<Vec<p2p_kernel::DayCount>, DomainError> {
        self.inner.published_per_day(org, since).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sort_does_not_change_the_key() {
        let latest = ListQuery {
            status: crate::types::Status::Published,
            organization: None,
            submitted_by: None,
            industry: Some("energy".into()),
            technology: None,
            tag: None,
            city: None,
            words: vec!["line".into()],
            sort: Sort::Latest,
            hidden: p2p_kernel::ports::HiddenFilter::None,
        };
        let popular = ListQuery {
            sort: Sort::Popular,
            ..latest.clone()
        };
        assert_eq!(facet_key("g", &latest), facet_key("g", &popular));
        let other = ListQuery {
            industry: Some("mining".into()),
            ..latest.clone()
        };
        assert_ne!(facet_key("g", &latest), facet_key("g", &other));
        assert_ne!(facet_key("g", &latest), facet_key("h", &latest));
    }
}
