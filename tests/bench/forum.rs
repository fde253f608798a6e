//! Topic-list throughput and latency over HTTP, against its same-statement
//! floor: the very SQL statements one request sends (kept by
//! `RoundTrips::keep_statements`), replayed by `pgbench` as one transaction
//! against the same database in the same run (full backend); then replies
//! (`replies.rs`): POST latency and round trips per reply.

use p2p_forum::NewTopic;
use p2p_tests::stats::Latencies;
use p2p_tests::{Backend, TestApp, unique_email};
use sea_orm::ConnectionTrait;
use std::process::Command;
use std::time::{Duration, Instant};

const TOPICS: usize = 300;
const CLIENTS: usize = 4;
const RUN_FOR: Duration = Duration::from_secs(5);
/// Characters of each replayed statement printed.
const STATEMENT_SHOWN: usize = 160;

pub async fn run() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("lister")).await;
    let actor = app
        .state()
        .services
        .identity
        .authenticate(&me.access)
        .await
        .unwrap();
    for i in 0..TOPICS {
        crate::retry::attempts("topic created", || {
            app.state().services.forum.create_topic(
                &actor,
                NewTopic {
                    title: format!("Benchmark topic number {i}"),
                    content: "Body of a benchmark topic".into(),
                    category: Some(["quality", "energy", "maintenance"][i % 3].into()),
                    tags: Some(vec![format!("tag{}", i % 7)]),
                    attachments: None,
                },
            )
        })
        .await;
    }
    // What follows the topics (counts, search index, notifications) is done
    // before measuring: the endpoint and its floor are measured alone, on
    // tables as autovacuum keeps them in production (some test servers run
    // without it: the topics' counter updates then leave the fresh table
    // unvacuumed and without statistics, and its floor 4x slower).
    app.settled().await;
    if app.backend == Backend::Full {
        app.state()
            .backends
            .db
            .execute_unprepared("VACUUM ANALYZE forum_topics, users")
            .await
            .expect("VACUUM ANALYZE");
    }

    for (label, query) in [
        ("latest", "limit=20"),
        ("tag filter", "limit=20&tag=tag3"),
        ("trending", "limit=20&sort=trending"),
    ] {
        let (count, failed, latencies, elapsed) = load(&app, &me.access, query).await;
        let rps = count as f64 / elapsed.as_secs_f64();
        print!(
            "GET /forums/topics ({label}): {rps:.0} req/s, {}",
            latencies.summary()
        );
        if failed > 0 {
            print!(" ({failed} requests failed)");
        }
        println!();
        if app.backend == Backend::Full {
            let statements = statements_of(&app, &me.access, query).await;
            match same_statement_floor(&app, &statements) {
                Some((tps, avg)) => println!(
                    "  its {} SQL statement(s) replayed by pgbench ({CLIENTS} clients, same \
                     database, same run): {tps:.0} tps, {avg:.3} ms average; the endpoint \
                     reaches {:.1}% of that floor",
                    statements.len(),
                    100.0 * rps / tps
                ),
                None => println!("  same-statement floor: pgbench did not run"),
            }
            for statement in &statements {
                let shown: String = statement.chars().take(STATEMENT_SHOWN).collect();
                println!("    {shown}");
            }
        }
    }
    if app.backend != Backend::Full {
        println!("same-statement pgbench floor: only measured on the full backend (PostgreSQL)");
    }
    let helper = app.signup(&unique_email("replier")).await;
    crate::replies::run(&app, &me, &helper).await;
    app.stop().await;
}

/// Successful requests, failed ones (not 200), latencies of the successful ones, elapsed time.
async fn load(app: &TestApp, token: &str, query: &str) -> (usize, usize, Latencies, Duration) {
    let url = app.url(&format!("/api/v1/forums/topics?{query}"));
    let started = Instant::now();
    let workers = (0..CLIENTS).map(|_| {
        let client = app.client.clone();
        let url = url.clone();
        let token = token.to_owned();
        async move {
            let mut samples = Vec::new();
            let mut failed = 0usize;
            while started.elapsed() < RUN_FOR {
                let t = Instant::now();
                let resp = client.get(&url).bearer_auth(&token).send().await.unwrap();
                let ok = resp.status() == 200;
                let _ = resp.bytes().await;
                if ok {
                    samples.push(t.elapsed());
                } else {
                    failed += 1;
                }
            }
            (samples, failed)
        }
    });
    let (samples, failed): (Vec<_>, Vec<_>) = futures_util::future::join_all(workers)
        .await
        .into_iter()
        .unzip();
    let elapsed = started.elapsed();
    let samples = samples.concat();
    (
        samples.len(),
        failed.iter().sum(),
        Latencies::new(samples),
        elapsed,
    )
}

/// The SQL statements one `GET /forums/topics?{query}` sends (after a
/// warm-up request, so caches are as under load), values inlined.
async fn statements_of(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let path = format!("/api/v1/forums/topics?{query}");
    app.get(&path, Some(token)).await.assert_status(200);
    let trips = &app.state().backends.round_trips;
    trips.keep_statements();
    app.get(&path, Some(token)).await.assert_status(200);
    trips.take_statements()
}

/// `statements` run by `pgbench` as one transaction, by [`CLIENTS`] clients for
/// [`RUN_FOR`] against the app's own database: (tps, average latency in ms).
fn same_statement_floor(app: &TestApp, statements: &[String]) -> Option<(f64, f64)> {
    let url = app.config().database.url.as_ref()?.expose().clone();
    let script = std::env::temp_dir().join(format!("p2p-bench-{}.sql", uuid::Uuid::new_v4()));
    let text: String = statements.iter().map(|s| format!("{s};\n")).collect();
    std::fs::write(&script, text).ok()?;
    let clients = CLIENTS.to_string();
    let secs = RUN_FOR.as_secs().to_string();
    let out = Command::new("pgbench")
        .args([
            "-n", "-M", "prepared", "-c", &clients, "-j", "2", "-T", &secs, "-f",
        ])
        .arg(&script)
        .arg(&url)
        .output()
        .ok()?;
    let _ = std::fs::remove_file(&script);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    if !out.status.success() {
        println!(
            "pgbench failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        return None;
    }
    let number_after = |label: &str| -> Option<f64> {
        let line = text.lines().find(|l| l.contains(label))?;
        line.split('=')
            .nth(1)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    Some((number_after("tps")?, number_after("latency average")?))
}
