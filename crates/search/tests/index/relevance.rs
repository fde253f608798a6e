//! The relevance set (`relevance.json`): an industrial corpus in Arabic,
//! English and both, and queries with the documents they should find.
//! Measured on SQLite and on PostgreSQL: recall@10 (the share of expected
//! documents among the first ten hits, averaged over queries) and MRR (the
//! mean of 1 / rank of the first expected hit). Both backends must give the
//! same hits, and both figures must stay above what they are today less a
//! margin of about one query's worth. Run with `--nocapture` to read them.

use crate::support::run;
use p2p_kernel::PageRequest;
use p2p_search::{IndexSearch, Kind, SearchDocument, SearchParams, SearchScope, SearchService};
use p2p_testkit::{Backend, member};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;
use uuid::Uuid;

const RECALL_AT_10_AT_LEAST: f64 = 0.97;
const MRR_AT_LEAST: f64 = 0.97;
const MIN_QUERIES: usize = 50;

#[derive(Deserialize)]
struct Fixture {
    documents: Vec<Document>,
    queries: Vec<Query>,
}

#[derive(Deserialize)]
struct Document {
    key: String,
    kind: Kind,
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    tags: Vec<String>,
    parent: Option<String>,
}

#[derive(Deserialize)]
struct Query {
    q: String,
    expected: Vec<String>,
}

fn fixture() -> Fixture {
    serde_json::from_str(include_str!("relevance.json")).expect("relevance.json")
}

/// The keys of the first ten hits of each query, in order.
type Results = Vec<Vec<String>>;

async fn measure(search: IndexSearch) -> Results {
    let fixture = fixture();
    let viewer = member();
    let now = OffsetDateTime::now_utc();
    let mut keys: HashMap<Uuid, String> = HashMap::new();
    let mut by_key: HashMap<&str, SearchDocument> = HashMap::new();
    let mut docs = Vec::new();
    for (i, d) in fixture.documents.iter().enumerate() {
        // One minute apart, in file order: recency never outweighs a match.
        let created = now - time::Duration::minutes(i64::try_from(i).unwrap());
        let mut doc = SearchDocument::new(d.kind, Uuid::now_v7(), d.title.clone(), created);
        doc.organization_id = Some(viewer.org_id.0);
        doc.body = d.body.clone();
        doc.tags = d.tags.clone();
        if let Some(parent) = d.parent.as_deref().map(|p| &by_key[p]) {
            doc.parent_id = Some(parent.id);
            doc.title = parent.title.clone();
            doc.tags = parent.tags.clone();
        }
        keys.insert(doc.id, d.key.clone());
        by_key.insert(&d.key, doc.clone());
        docs.push(doc);
    }
    search.index().upsert_many(&docs).await.unwrap();
    let mut results = Vec::new();
    for query in &fixture.queries {
        let params = SearchParams {
            q: query.q.clone(),
            ..SearchParams::default()
        };
        let page = search
            .search(&viewer, SearchScope::All, params, PageRequest::first(10))
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", query.q));
        results.push(page.items.iter().map(|h| keys[&h.id].clone()).collect());
    }
    results
}

/// Recall@10 and MRR of `results`, printing each query that misses.
fn score(backend: &str, queries: &[Query], results: &Results) -> (f64, f64) {
    let (mut recall, mut rr) = (0.0, 0.0);
    for (query, hits) in queries.iter().zip(results) {
        let found = query.expected.iter().filter(|e| hits.contains(e)).count();
        recall += found as f64 / query.expected.len() as f64;
        let first = hits.iter().position(|h| query.expected.contains(h));
        rr += first.map_or(0.0, |p| 1.0 / (p + 1) as f64);
        if found < query.expected.len() || first != Some(0) {
            println!(
                "{backend}: «{}» expected {:?}, got {hits:?}",
                query.q, query.expected
            );
        }
    }
    let n = queries.len() as f64;
    (recall / n, rr / n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relevance_set_on_both_backends() {
    let queries = fixture().queries;
    assert!(queries.len() >= MIN_QUERIES, "{} queries", queries.len());
    let mut figures = Vec::new();
    let mut all = Vec::new();
    for (backend, name) in [(Backend::Sqlite, "sqlite"), (Backend::Full, "postgresql")] {
        let out: Arc<Mutex<Results>> = Arc::default();
        let cell = out.clone();
        run(backend, |search| async move {
            *cell.lock().unwrap() = measure(search).await;
        })
        .await;
        let results = out.lock().unwrap().clone();
        let (recall, mrr) = score(name, &queries, &results);
        println!(
            "relevance {name}: {} queries, recall@10 {recall:.3}, MRR {mrr:.3}",
            queries.len()
        );
        figures.push((name, recall, mrr));
        all.push(results);
    }
    for (query, (sqlite, postgres)) in queries.iter().zip(all[0].iter().zip(&all[1])) {
        let (mut a, mut b) = (sqlite.clone(), postgres.clone());
        a.sort();
        b.sort();
        assert_eq!(
            a, b,
            "«{}»: SQLite and PostgreSQL hit different documents",
            query.q
        );
    }
    for (name, recall, mrr) in figures {
        assert!(
            recall >= RECALL_AT_10_AT_LEAST,
            "{name}: recall@10 {recall:.3}"
        );
        assert!(mrr >= MRR_AT_LEAST, "{name}: MRR {mrr:.3}");
    }
}
