//! A fresh, migrated database per test (from `p2p-testkit`) with its index.

use p2p_search::SearchIndex;
use p2p_testkit::{Backend, Databases};
use std::future::Future;

/// Runs `test` with the search index of a fresh migrated database of `backend`.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(SearchIndex) -> Fut,
    Fut: Future<Output = ()>,
{
    let databases = Databases::open(backend, false).await;
    p2p_testkit::run(databases, |db, _| test(SearchIndex::new(db))).await;
}
