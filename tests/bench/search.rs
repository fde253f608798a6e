//! Search and dashboard at scale (full backend, everything on PostgreSQL):
//! 1,000,000 posts and 50,000 topics of a realistic corpus (`corpus`: half
//! Arabic, 40% English, 10% mixed) are written through the live indexer's
//! write path (`SearchIndex::upsert_many`: the analyzed terms and the typo
//! vocabulary the indexer writes, several loaders at once); 100,000 use
//! cases (10% drafts) are bulk-inserted into the use-case store and indexed
//! by the real use-case source (`Indexer::index_source`). The GIN and
//! recency indexes are dropped for the load and built after it. Then search
//! p50/p99 for a query mix per language (frequent word, rare word, two
//! words, a typo) and the p99 of `/dashboard/trending` and
//! `/dashboard/stats` are measured over HTTP, against the p99 of
//! `GET /users/me` in the same run, and the query mix again with every
//! search ranking candidates from all documents (the newest-documents table
//! `search_recent` given nothing: the same-run baseline of what it saves).
//! Each query line says how many SQL statements one search sent (2: the
//! newest documents held too few matches). With `P2P_BENCH_SEARCH_DB` set, the
//! corpus lives in that database and later runs reuse it.

mod corpus;

use corpus::{Rng, Tail};
use p2p_kernel::ids::{OrgId, UseCaseId, UserId};
use p2p_search::{Kind, Metrics, SearchDocument, SearchIndex};
use p2p_server::config::Secret;
use p2p_tests::stats::{Latencies, ms};
use p2p_tests::{Backend, TestApp, postgres_url, unique_email};
use p2p_usecases::{Location, Outcomes, Status, UseCaseDoc, UseCaseStore, UseCaseView, VendorInfo};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use uuid::Uuid;

const POSTS: i64 = 1_000_000;
const USE_CASES: i64 = 100_000;
const TOPICS: i64 = 50_000;
/// Documents per `upsert_many` call, and loaders writing at once.
const BATCH: u64 = 2_000;
const LOADERS: u64 = 3;
const SAMPLES: usize = 200;
const MAX_PER_QUERY: Duration = Duration::from_secs(20);

/// Per language: frequent (10% of the posts in that language), rare (1 in
/// 10,000), two words (5% and 10%, or 3% and 5%: thousands of posts have
/// both), a typo one edit from an indexed word («الهدروليكية» for
/// «الهيدروليكية»), and the spelling «صيانه» of «صيانة» (the same folded
/// word: no typo). Rates in `corpus::RATES`.
const QUERY_MIX: [(&str, &str); 9] = [
    ("EN frequent", "maintenance"),
    ("EN rare", "tribology"),
    ("EN two words", "hydraulic pump"),
    ("EN typo", "maintenence"),
    ("AR frequent", "مضخات"),
    ("AR rare", "التكهف"),
    ("AR two words", "صيانة المضخات"),
    ("AR typo", "الهدروليكية"),
    ("AR spelling", "صيانه"),
];

pub async fn run() {
    if Backend::from_env() != Backend::Full {
        println!("search at scale: measured on the full backend (PostgreSQL) only");
        return;
    }
    let kept = std::env::var(KEPT_DATABASE)
        .ok()
        .filter(|name| !name.is_empty());
    if let Some(name) = &kept {
        create_database_once(name).await;
    }
    // Use cases in PostgreSQL too (no `MONGODB_URL`): the document store is
    // not what this measures, and bulk loads into it time out on a busy machine.
    let app = TestApp::spawn_with(|raw| {
        raw.mongodb.url = None;
        if let Some(name) = &kept {
            raw.database.url = Some(Secret::new(postgres_url(name)));
        }
    })
    .await;
    let db = app.state().backends.db.clone();
    if is_seeded(&db).await {
        println!("search seed: the corpus of database {kept:?} is reused");
    } else {
        let started = Instant::now();
        seed_use_case_store(&app).await;
        println!(
            "search seed: {USE_CASES} use cases in the use-case store in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let started = Instant::now();
        seed(&app, &db).await;
        exec(&db, &format!("CREATE TABLE {SEEDED_MARK} ()")).await;
        println!(
            "search seed: {POSTS} posts, {TOPICS} topics, {USE_CASES} use cases indexed in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let index = app.state().services.discovery.search.index().clone();
    let t = Instant::now();
    p2p_dashboard::trending::refresh(&index, time::OffsetDateTime::now_utc())
        .await
        .unwrap();
    println!(
        "trending refresh (background task): {:.0} ms",
        ms(t.elapsed())
    );

    // Signed up after the seed, which outlasts an access token.
    let me = app.signup(&unique_email("searcher")).await;
    let baseline = measure(&app, &me.access, "/api/v1/users/me").await;
    println!("baseline GET /users/me: {}", baseline.summary());
    let base_p99 = ms(baseline.percentile(99.0));
    let with_recent = measure_queries(&app, &me.access, base_p99).await;
    // The same-run baseline: every search ranks candidates from all
    // documents, as before the newest-documents table (a cutoff after every
    // document leaves it nothing; the kept corpus gets its cutoff back).
    let cutoff = recent_cutoff(&db).await;
    exec(
        &db,
        "UPDATE search_recent_cutoff SET created_at = 9223372036854775807",
    )
    .await;
    println!("same queries, candidates from all documents (before `search_recent`):");
    let without = measure_queries(&app, &me.access, base_p99).await;
    exec(
        &db,
        &format!("UPDATE search_recent_cutoff SET created_at = {cutoff}"),
    )
    .await;
    for ((label, with), (_, without)) in with_recent.iter().zip(&without) {
        println!(
            "{label}: p50 {:.1} / {:.1} ms = {:.2}x, p99 {:.1} / {:.1} ms = {:.2}x (newest documents first / all documents)",
            ms(with.percentile(50.0)),
            ms(without.percentile(50.0)),
            ms(with.percentile(50.0)) / ms(without.percentile(50.0)),
            ms(with.percentile(99.0)),
            ms(without.percentile(99.0)),
            ms(with.percentile(99.0)) / ms(without.percentile(99.0)),
        );
    }
    let t = Instant::now();
    let cold = app.get("/api/v1/dashboard/stats", me.token()).await;
    cold.assert_status(200);
    println!("GET /dashboard/stats uncached: {:.0} ms", ms(t.elapsed()));
    for path in ["/api/v1/dashboard/trending", "/api/v1/dashboard/stats"] {
        let l = measure(&app, &me.access, path).await;
        println!(
            "GET {path}: {} = {:.1}x baseline p99",
            l.summary(),
            ms(l.percentile(99.0)) / base_p99
        );
    }
    app.stop().await;
}

/// Names a PostgreSQL database kept between runs: seeded by the first run,
/// reused by the next ones (the seed takes a quarter of an hour); unset, each
/// run seeds its own test database, dropped at the end.
const KEPT_DATABASE: &str = "P2P_BENCH_SEARCH_DB";
/// The table a finished seed leaves behind.
const SEEDED_MARK: &str = "bench_search_seeded";

async fn create_database_once(name: &str) {
    assert!(
        name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
        "{KEPT_DATABASE} must be letters, digits and _: {name}"
    );
    let admin = sea_orm::Database::connect(p2p_kernel::testenv::postgres_admin_url())
        .await
        .expect("PostgreSQL answers");
    let exists = admin
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!("SELECT 1 AS found FROM pg_database WHERE datname = '{name}'"),
        ))
        .await
        .expect("pg_database is readable")
        .is_some();
    if !exists {
        exec(&admin, &format!("CREATE DATABASE {name}")).await;
    }
}

async fn is_seeded(db: &DatabaseConnection) -> bool {
    db.query_one_raw(sea_orm::Statement::from_string(
        sea_orm::DbBackend::Postgres,
        format!("SELECT to_regclass('{SEEDED_MARK}') IS NOT NULL AS seeded"),
    ))
    .await
    .ok()
    .flatten()
    .and_then(|row| row.try_get::<bool>("", "seeded").ok())
    .unwrap_or(false)
}

/// Each query of [`QUERY_MIX`]: asserts it finds something, prints its
/// latencies against the baseline p99 and the statements it sent.
async fn measure_queries(
    app: &TestApp,
    token: &str,
    base_p99: f64,
) -> Vec<(&'static str, Latencies)> {
    let mut measured = Vec::new();
    for (label, q) in QUERY_MIX {
        // Arabic letters are percent-encoded by the URL parser.
        let path = format!("/api/v1/search?q={}", q.replace(' ', "%20"));
        let page = app.get(&path, Some(token)).await;
        page.assert_status(200);
        let hits = page.json["items"].as_array().map_or(0, Vec::len);
        assert!(hits > 0, "{label}: nothing found for {q}");
        let trips = &app.state().backends.round_trips;
        trips.keep_statements();
        app.get(&path, Some(token)).await.assert_status(200);
        let statements = trips.take_statements().len();
        let l = measure(app, token, &path).await;
        println!(
            "GET /search ({label}, q={q}, {hits} hits on the first page, {statements} statements): {} = {:.1}x baseline p99",
            l.summary(),
            ms(l.percentile(99.0)) / base_p99
        );
        measured.push((label, l));
    }
    measured
}

/// The newest-documents table's cutoff (epoch ms).
async fn recent_cutoff(db: &DatabaseConnection) -> i64 {
    db.query_one_raw(sea_orm::Statement::from_string(
        sea_orm::DbBackend::Postgres,
        "SELECT created_at FROM search_recent_cutoff",
    ))
    .await
    .ok()
    .flatten()
    .and_then(|row| row.try_get::<i64>("", "created_at").ok())
    .expect("search_recent_cutoff has its row")
}

async fn measure(app: &TestApp, token: &str, path: &str) -> Latencies {
    let url = app.url(path);
    let started = Instant::now();
    let mut samples = Vec::with_capacity(SAMPLES);
    while samples.len() < SAMPLES && started.elapsed() < MAX_PER_QUERY {
        let (status, took) = app.timed_get(&url, token).await;
        assert_eq!(status, 200, "{path}");
        samples.push(took);
    }
    Latencies::new(samples)
}

async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql:.200}"));
}

/// 100,000 use cases in the store: 500 organizations, 10% drafts, 10%
/// (others) with "maintenance", published over the last 60 days, edited
/// within the last 30.
async fn seed_use_case_store(app: &TestApp) {
    let tail = Tail::new();
    let mut rng = Rng::new(7);
    let orgs: Vec<OrgId> = (0..500).map(|_| OrgId(Uuid::now_v7())).collect();
    let users: Vec<UserId> = (0..2000).map(|_| UserId(Uuid::now_v7())).collect();
    let industries = ["manufacturing", "energy", "logistics", "chemicals"];
    let tags = [
        "صيانة",
        "quality",
        "السلامة",
        "energy",
        "supply-chain",
        "الطاقة",
    ];
    let now = OffsetDateTime::now_utc();
    let store = app.state().services.usecases.store().clone();
    let mut batch = Vec::with_capacity(500);
    for g in 0..USE_CASES {
        let i = usize::try_from(g).unwrap_or_default();
        let published_at = now - time::Duration::seconds(g * 51);
        let updated_at = published_at.max(now - time::Duration::seconds(g * 25));
        let n = u64::try_from(g).unwrap_or_default();
        let (title, problem) = corpus::post(n, &tail, &mut rng);
        let (technology, solution) = corpus::post(n, &tail, &mut rng);
        batch.push(UseCaseDoc::new(UseCaseView {
            id: UseCaseId::new(),
            title,
            industry: industries[i % industries.len()].to_owned(),
            technology: technology.split(' ').take(2).map(str::to_owned).collect(),
            problem_statement: problem,
            solution,
            outcomes: Outcomes {
                cost_savings: Some(format!("{}%", g % 40)),
                ..Default::default()
            },
            vendor_info: VendorInfo::default(),
            media: Vec::new(),
            location: Some(Location {
                city: "Riyadh".to_owned(),
                coordinates: None,
            }),
            tags: vec![tags[i % tags.len()].to_owned()],
            status: if g % 10 == 0 {
                Status::Draft
            } else {
                Status::Published
            },
            submitted_by: users[i % users.len()],
            organization_id: orgs[i % orgs.len()],
            view_count: g % 500,
            revision_count: 0,
            created_at: published_at,
            updated_at,
            published_at: (g % 10 != 0).then_some(published_at),
            hidden: false,
        }));
        if batch.len() == 500 {
            insert_all(store.as_ref(), &batch).await;
            batch.clear();
        }
    }
    insert_all(store.as_ref(), &batch).await;
}

/// Inserts in bulk; after a failure (a retried bulk write may meet its own
/// first attempt), one by one, skipping what is already stored.
async fn insert_all(store: &dyn UseCaseStore, docs: &[UseCaseDoc]) {
    if docs.is_empty() || store.insert_many(docs).await.is_ok() {
        return;
    }
    for doc in docs {
        if store.get(doc.view.id.0).await.unwrap().is_none() {
            store.insert(doc).await.unwrap();
        }
    }
}

async fn seed(app: &TestApp, db: &DatabaseConnection) {
    exec(db, "DROP INDEX search_documents_tsv").await;
    exec(db, "DROP INDEX search_documents_recent").await;
    let index = app.state().services.discovery.search.index().clone();
    let tail = Arc::new(Tail::new());
    let now = OffsetDateTime::now_utc();
    for (kind, count) in [(Kind::Topic, TOPICS), (Kind::Post, POSTS)] {
        let t = Instant::now();
        load(&index, &tail, kind, count, now).await;
        println!(
            "search seed: {count} {}s written by upsert_many in {:.1} s",
            kind.as_str(),
            t.elapsed().as_secs_f64()
        );
    }
    let t = Instant::now();
    let indexed = app
        .state()
        .services
        .discovery
        .indexer
        .index_source("use_cases")
        .await
        .unwrap();
    println!(
        "search seed: {indexed} use cases indexed by the use-case source in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let txn = db.begin().await.unwrap();
    txn.execute_unprepared("SET LOCAL maintenance_work_mem = '256MB'")
        .await
        .unwrap();
    txn.execute_unprepared("CREATE INDEX search_documents_tsv ON search_documents USING GIN (tsv)")
        .await
        .unwrap();
    txn.execute_unprepared("CREATE INDEX search_documents_recent ON search_documents (created_at DESC, kind DESC, id DESC)")
        .await
        .unwrap();
    txn.commit().await.unwrap();
    exec(db, "ANALYZE search_documents").await;
    exec(db, "ANALYZE search_terms").await;
    // The prune deleted most of what the load put in it; autovacuum (off on some test
    // servers) would have reclaimed it as production's does.
    exec(db, "VACUUM ANALYZE search_recent").await;
    let vocabulary = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT COUNT(*) AS n FROM search_terms",
        ))
        .await
        .unwrap()
        .and_then(|r| r.try_get::<i64>("", "n").ok())
        .unwrap_or(0);
    println!(
        "search seed: indexes built in {:.1} s; typo vocabulary: {vocabulary} words",
        t.elapsed().as_secs_f64()
    );
}

/// Writes `count` documents of `kind` (`corpus`) with `LOADERS` loaders, each
/// taking every `LOADERS`th batch.
async fn load(index: &SearchIndex, tail: &Arc<Tail>, kind: Kind, count: i64, now: OffsetDateTime) {
    let count = u64::try_from(count).unwrap_or_default();
    let loaders = (0..LOADERS).map(|l| {
        let (index, tail) = (index.clone(), tail.clone());
        tokio::spawn(async move {
            let mut from = l * BATCH;
            while from < count {
                let docs: Vec<SearchDocument> = (from..(from + BATCH).min(count))
                    .map(|g| document(kind, g, &tail, now))
                    .collect();
                index.upsert_many(&docs).await.unwrap();
                from += LOADERS * BATCH;
            }
        })
    });
    for loader in futures_util::future::join_all(loaders).await {
        loader.unwrap();
    }
}

/// Topic or post number `g`: 500 organizations, 20,000 authors, created
/// over the last 60 days; topics active within the last 30 with engagement
/// counters; posts in topic `g % TOPICS`, one in 50 a best answer.
fn document(kind: Kind, g: u64, tail: &Tail, now: OffsetDateTime) -> SearchDocument {
    let id = |space: u64, n: u64| Uuid::from_u64_pair(space, n);
    let mut rng = Rng::new(
        g.wrapping_mul(2)
            .wrapping_add(u64::from(kind == Kind::Post)),
    );
    let (title, body) = corpus::post(g, tail, &mut rng);
    let seconds = |n: u64| time::Duration::seconds(i64::try_from(n).unwrap_or(0));
    let created = now - seconds(g.wrapping_mul(7_919) % 5_184_000);
    let topics = u64::try_from(TOPICS).unwrap_or(1);
    let space = if kind == Kind::Topic { 1 } else { 2 };
    let mut doc = SearchDocument::new(kind, id(space, g), title, created);
    doc.body = body;
    doc.organization_id = Some(id(3, g % 500));
    doc.author_id = Some(id(4, g % 20_000));
    if kind == Kind::Topic {
        doc.metrics = Metrics {
            replies: g % 20,
            upvotes: g % 30,
            participants: 1 + g % 8,
            views: g % 700,
            best_answer: false,
        };
        doc.active_at = created.max(now - seconds(g.wrapping_mul(7_919) % 2_592_000));
    } else {
        doc.parent_id = Some(id(1, g % topics));
        doc.metrics.best_answer = g.is_multiple_of(50);
    }
    doc
}
