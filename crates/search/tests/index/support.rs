//! A fresh, migrated database per test (from `p2p-testkit`), and documents to index.

use p2p_kernel::{Actor, Page, PageRequest};
use p2p_search::{
    IndexSearch, Kind, SearchDocument, SearchHit, SearchIndex, SearchParams, SearchScope,
    SearchService,
};
use p2p_testkit::{Backend, Databases};
use sea_orm::DatabaseConnection;
use std::future::Future;
use time::OffsetDateTime;
use uuid::Uuid;

/// Runs `test` with a search service over a fresh migrated database of `backend`.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(IndexSearch) -> Fut,
    Fut: Future<Output = ()>,
{
    let databases = Databases::open(backend, false).await;
    p2p_testkit::run(databases, |db, _| {
        test(IndexSearch::new(SearchIndex::new(db)))
    })
    .await;
}

/// As [`run`], with the connection too, for statements the index does not
/// offer (the schema, a row changed by hand).
pub async fn run_with_connection<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(IndexSearch, DatabaseConnection) -> Fut,
    Fut: Future<Output = ()>,
{
    let databases = Databases::open(backend, false).await;
    p2p_testkit::run(databases, |db, _| {
        test(IndexSearch::new(SearchIndex::new(db.clone())), db)
    })
    .await;
}

/// A published document of `kind` owned by `org`, created `minutes_ago`.
pub fn document(
    kind: Kind,
    org: Uuid,
    title: &str,
    body: &str,
    minutes_ago: i64,
) -> SearchDocument {
    let created = OffsetDateTime::now_utc() - time::Duration::minutes(minutes_ago);
    let mut doc = SearchDocument::new(kind, Uuid::now_v7(), title, created);
    doc.organization_id = Some(org);
    doc.author_id = Some(Uuid::now_v7());
    doc.body = body.to_owned();
    doc
}

/// Indexes `docs` in one bulk write.
pub async fn index(search: &IndexSearch, docs: &[SearchDocument]) {
    search.index().upsert_many(docs).await.unwrap();
}

/// The first page (up to 100 hits) of `q` for `actor` over everything.
pub async fn find(search: &IndexSearch, actor: &Actor, q: &str) -> Vec<SearchHit> {
    find_page(search, actor, q, PageRequest::first(100))
        .await
        .items
}

pub async fn find_page(
    search: &IndexSearch,
    actor: &Actor,
    q: &str,
    page: PageRequest,
) -> Page<SearchHit> {
    let params = SearchParams {
        q: q.to_owned(),
        ..SearchParams::default()
    };
    search
        .search(actor, SearchScope::All, params, page)
        .await
        .unwrap()
}

/// The ids of `hits`, in order.
pub fn ids(hits: &[SearchHit]) -> Vec<Uuid> {
    hits.iter().map(|h| h.id).collect()
}
