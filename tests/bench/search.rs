//! Search and dashboard at scale (full backend, everything on PostgreSQL):
//! 1,000,000 posts and 50,000 topics are bulk-inserted straight into
//! the index (`INSERT … SELECT generate_series`); 100,000 use cases (10%
//! drafts) are bulk-inserted into the use-case store and indexed by the real
//! use-case source (`Indexer::index_source`: the documents the live indexer
//! writes, in multi-row upserts); the GIN and recency indexes are built after
//! the load. Then search p50/p99 for a fixed query mix and the p99 of
//! `/dashboard/trending` and `/dashboard/stats` are measured over HTTP,
//! against the p99 of `GET /users/me` in the same run.

use p2p_kernel::ids::{OrgId, UseCaseId, UserId};
use p2p_tests::stats::{Latencies, ms};
use p2p_tests::{Backend, TestApp, unique_email};
use p2p_usecases::{Location, Outcomes, Status, UseCaseDoc, UseCaseStore, UseCaseView, VendorInfo};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use uuid::Uuid;

const POSTS: i64 = 1_000_000;
const USE_CASES: i64 = 100_000;
const TOPICS: i64 = 50_000;
const BATCH: i64 = 100_000;
const SAMPLES: usize = 200;
const MAX_PER_QUERY: Duration = Duration::from_secs(20);

/// frequent: ~10% of posts; rare: 1 in 10,000; two terms: 2% and 3%
/// independently; typo: one edit from the frequent term.
const QUERY_MIX: [(&str, &str); 4] = [
    ("frequent term", "maintenance"),
    ("rare term", "tribology"),
    ("two terms", "hydraulic%20pump"),
    ("typo", "maintenence"),
];

pub async fn run() {
    // Use cases in PostgreSQL too (no `MONGODB_URL`): the document store is
    // not what this measures, and bulk loads into it time out on a busy machine.
    let app = TestApp::spawn_with(|raw| raw.mongodb.url = None).await;
    if app.backend != Backend::Full {
        println!("search at scale: measured on the full backend (PostgreSQL) only");
        app.stop().await;
        return;
    }
    let me = app.signup(&unique_email("searcher")).await;
    let db = app.state().backends.db.clone();
    let started = Instant::now();
    seed_use_case_store(&app).await;
    println!(
        "search seed: {USE_CASES} use cases in the use-case store in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    seed(&app, &db).await;
    println!(
        "search seed: {POSTS} posts, {TOPICS} topics, {USE_CASES} use cases indexed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let index = app.state().services.discovery.search.index().clone();
    let t = Instant::now();
    p2p_dashboard::trending::refresh(&index, time::OffsetDateTime::now_utc())
        .await
        .unwrap();
    println!(
        "trending refresh (background task): {:.0} ms",
        ms(t.elapsed())
    );

    let baseline = measure(&app, &me.access, "/api/v1/users/me").await;
    println!("baseline GET /users/me: {}", baseline.summary());
    let base_p99 = ms(baseline.percentile(99.0));
    for (label, q) in QUERY_MIX {
        let l = measure(&app, &me.access, &format!("/api/v1/search?q={q}")).await;
        println!(
            "GET /search ({label}, q={q}): {} = {:.1}x baseline p99",
            l.summary(),
            ms(l.percentile(99.0)) / base_p99
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

/// A deterministic vocabulary of 3,000 made-up words.
fn vocabulary() -> Vec<String> {
    let a = [
        "ka", "lo", "mi", "re", "su", "ta", "ve", "do", "ni", "po", "ga", "be", "fi", "zu", "xe",
    ];
    let b = [
        "ran", "mel", "tis", "dor", "vak", "pel", "sun", "gor", "lin", "mas", "tek", "bru", "fos",
        "quen", "dal", "rix", "nol", "var", "sep", "tam",
    ];
    let c = ["", "a", "o", "er", "is", "um", "an", "et", "ix", "on"];
    let mut words = Vec::new();
    for x in a {
        for y in b {
            for z in c {
                words.push(format!("{x}{y}{z}"));
            }
        }
    }
    words
}

async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql:.200}"));
}

/// A deterministic pseudo-random word sequence (64-bit LCG).
struct Words<'a> {
    words: &'a [String],
    state: u64,
}

impl Words<'_> {
    fn take(&mut self, n: usize) -> String {
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            self.state = self
                .state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let i = (self.state >> 33) as usize % self.words.len();
            out.push(self.words[i].as_str());
        }
        out.join(" ")
    }
}

/// 100,000 use cases in the store: 500 organizations, 10% drafts, 10%
/// (others) with "maintenance", published over the last 60 days, edited
/// within the last 30.
async fn seed_use_case_store(app: &TestApp) {
    let words = vocabulary();
    let mut text = Words {
        words: &words,
        state: 7,
    };
    let orgs: Vec<OrgId> = (0..500).map(|_| OrgId(Uuid::now_v7())).collect();
    let users: Vec<UserId> = (0..2000).map(|_| UserId(Uuid::now_v7())).collect();
    let industries = ["manufacturing", "energy", "logistics", "chemicals"];
    let now = OffsetDateTime::now_utc();
    let store = app.state().services.usecases.store().clone();
    let mut batch = Vec::with_capacity(500);
    for g in 0..USE_CASES {
        let i = usize::try_from(g).unwrap_or_default();
        let published_at = now - time::Duration::seconds(g * 51);
        let updated_at = published_at.max(now - time::Duration::seconds(g * 25));
        let mut problem = text.take(30);
        if g % 10 == 3 {
            problem.push_str(" maintenance");
        }
        batch.push(UseCaseDoc::new(UseCaseView {
            id: UseCaseId::new(),
            title: text.take(5),
            industry: industries[i % industries.len()].to_owned(),
            technology: vec![text.take(1)],
            problem_statement: problem,
            solution: text.take(30),
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
            tags: vec![words[i % words.len()].clone()],
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
    let words = vocabulary();
    let n = words.len();
    let array = format!(
        "ARRAY[{}]",
        words
            .iter()
            .map(|w| format!("'{w}'"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let now = p2p_search::index_ms(time::OffsetDateTime::now_utc());
    let pick = |count: u32| {
        format!(
            "array_to_string(ARRAY(SELECT ({array})[1 + floor(random() * {n})::int] FROM generate_series(1, {count}) s WHERE s > g * 0), ' ')"
        )
    };
    exec(db, "DROP INDEX search_documents_tsv").await;
    exec(db, "DROP INDEX search_documents_recent").await;
    let mut from = 1;
    while from <= POSTS {
        let to = (from + BATCH - 1).min(POSTS);
        exec(
            db,
            &format!(
                "INSERT INTO search_documents (kind, id, parent_id, organization_id, author_id, title, body, tags,
                   published, searchable, replies, upvotes, participants, views, best_answer, created_at, active_at)
                 SELECT 'post', gen_random_uuid()::text, md5('topic-' || (1 + g % {TOPICS}))::uuid::text,
                   md5('org-' || (g % 500))::uuid::text, md5('user-' || (g % 20000))::uuid::text,
                   {title}, {body}
                     || CASE WHEN g % 10 = 0 THEN ' maintenance schedule' ELSE '' END
                     || CASE WHEN g % 50 = 1 THEN ' hydraulic' ELSE '' END
                     || CASE WHEN g % 33 = 0 THEN ' pump' ELSE '' END
                     || CASE WHEN g % 10000 = 7 THEN ' tribology' ELSE '' END,
                   '', 1, 1, 0, 0, g % 7, 0, (g % 50 = 0)::int,
                   {now} - (g % 5184000) * 1000, {now} - (g % 5184000) * 1000
                 FROM generate_series({from}, {to}) g",
                title = pick(6),
                body = pick(30),
            ),
        )
        .await;
        from = to + 1;
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
    exec(
        db,
        &format!(
            "INSERT INTO search_documents (kind, id, organization_id, author_id, title, body, tags,
               published, searchable, replies, upvotes, participants, views, best_answer, created_at, active_at)
             SELECT 'topic', md5('topic-' || g)::uuid::text, md5('org-' || (g % 500))::uuid::text,
               md5('user-' || (g % 20000))::uuid::text,
               {title}, {body}, '', 1, 1, g % 20, g % 30, 1 + g % 8, 0, 0,
               {now} - (g % 5184000) * 1000, {now} - (g % 2592000) * 1000
             FROM generate_series(1, {TOPICS}) g",
            title = pick(6),
            body = pick(30),
        ),
    )
    .await;
    let mut terms: Vec<String> = words.iter().filter(|w| w.len() >= 4).cloned().collect();
    terms.extend(["maintenance", "schedule", "hydraulic", "pump", "tribology"].map(String::from));
    exec(
        db,
        &format!(
            "INSERT INTO search_terms (term, len) SELECT t, length(t) FROM unnest(ARRAY[{}]) t ON CONFLICT DO NOTHING",
            terms.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(",")
        ),
    )
    .await;
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
}
