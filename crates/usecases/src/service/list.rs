//! The filtered, faceted, paginated list.

use super::UseCases;
use crate::store::{ListQuery, Position};
use crate::types::{Facets, UseCaseFilter, UseCaseList};
use p2p_kernel::ports::HiddenFilter;
use p2p_kernel::{Actor, Cursor, DomainError, PageRequest};

impl UseCases {
    /// Published use cases (or the caller's organization's drafts with
    /// `status=draft`) matching the filters, in the chosen order, with the
    /// facet counts of everything that matches.
    pub async fn list(
        &self,
        actor: &Actor,
        filter: UseCaseFilter,
        page: PageRequest,
    ) -> Result<UseCaseList, DomainError> {
        let query = ListQuery::from_filter(&filter, actor.org_id.0).visible_to(actor);
        let after: Option<Position> = page.position()?;
        let store = &self.inner.store;
        let facets = async {
            match filter.facets {
                Some(false) => Ok(Facets::default()),
                // Counted without hidden use cases, whoever asks (one cache entry).
                _ => {
                    let visible = ListQuery {
                        hidden: HiddenFilter::None,
                        ..query.clone()
                    };
                    store.facets(&visible).await
                }
            }
        };
        let (rows, facets) =
            tokio::try_join!(store.list(&query, after, page.fetch_limit()), facets)?;
        let limit = page.limit as usize;
        let next_cursor = (rows.len() > limit)
            .then(|| {
                rows.get(limit - 1)
                    .map(|last| Cursor::encode(&query.position_of(last)))
            })
            .flatten();
        Ok(UseCaseList {
            items: rows.into_iter().take(limit).map(|d| d.view).collect(),
            next_cursor,
            facets,
        })
    }
}
