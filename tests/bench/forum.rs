//! Topic-list throughput and latency over HTTP, against the `pgbench -S`
//! floor (primary-key selects) of the same PostgreSQL in the same run; then
//! replies (`replies.rs`): POST latency and round trips per reply.

use p2p_forum::NewTopic;
use p2p_tests::stats::Latencies;
use p2p_tests::{Backend, TestApp, unique_email};
use std::process::Command;
use std::time::{Duration, Instant};

const TOPICS: usize = 300;
const CLIENTS: usize = 4;
const RUN_FOR: Duration = Duration::from_secs(5);

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

    let floor = if app.backend == Backend::Full {
        pgbench_floor()
    } else {
        None
    };

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
        if let Some((tps, _)) = floor {
            print!(" = {:.1}% of pgbench -S", 100.0 * rps / tps);
        }
        if failed > 0 {
            print!(" ({failed} requests failed)");
        }
        println!();
    }
    match floor {
        Some((tps, avg)) => println!(
            "pgbench -S floor ({CLIENTS} clients, same server): {tps:.0} tps, {avg:.3} ms average latency"
        ),
        None => println!("pgbench -S floor: only measured on the full backend (PostgreSQL)"),
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

/// `pgbench -S` against a scratch database: (tps, average latency in ms).
fn pgbench_floor() -> Option<(f64, f64)> {
    let db = "p2p_bench_pgbench";
    let admin = p2p_kernel::testenv::postgres_admin_url();
    let base = admin.rsplit_once('/').map(|(b, _)| b.to_owned())?;
    let url = format!("{base}/{db}");
    let _ = Command::new("psql")
        .args([&admin, "-qc", &format!("DROP DATABASE IF EXISTS {db}")])
        .output();
    let created = Command::new("psql")
        .args([&admin, "-qc", &format!("CREATE DATABASE {db}")])
        .output()
        .ok()?;
    if !created.status.success() {
        println!("pgbench floor skipped: cannot create {db}");
        return None;
    }
    Command::new("pgbench")
        .args(["-q", "-i", "-s", "2", &url])
        .output()
        .ok()?;
    let clients = CLIENTS.to_string();
    let secs = RUN_FOR.as_secs().to_string();
    let out = Command::new("pgbench")
        .args(["-S", "-n", "-c", &clients, "-j", "2", "-T", &secs, &url])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let _ = Command::new("psql")
        .args([&admin, "-qc", &format!("DROP DATABASE IF EXISTS {db}")])
        .output();
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
