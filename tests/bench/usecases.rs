//! Use cases at scale: 100,000 published use cases seeded in bulk (the
//! store's `insert_many`: MongoDB `insertMany` / multi-row SQL `INSERT`), then
//! the p50/p99 of filtered lists (with or without facet counts; the first
//! request of each, before the facet cache holds its counts, shown apart) over
//! HTTP, against the p99 of a trivial signed-in request (`GET /users/me`) in
//! the same run; and export throughput (rows/s) with the growth of the
//! process's resident memory while streaming the whole list as CSV.
//!
//! The full backend runs twice: use cases in MongoDB, then in PostgreSQL only
//! (the same server without `MONGODB_URL`). Set `P2P_BENCH_USE_CASES` to seed
//! another number, `P2P_BENCH_SAMPLES` for another number of requests per list,
//! `P2P_BENCH_USE_CASE_STORE=postgres|mongodb` to measure one store only.

use futures_util::StreamExt;
use p2p_kernel::ids::{OrgId, UseCaseId, UserId};
use p2p_tests::stats::{Latencies, ms};
use p2p_tests::{Backend, TestApp, unique_email};
use p2p_usecases::{Location, Outcomes, Status, UseCaseDoc, UseCaseView, VendorInfo};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

const DEFAULT_USE_CASES: usize = 100_000;
const BATCH: usize = 2_000;
const SAMPLES: usize = 20;
const INDUSTRIES: [&str; 8] = [
    "Manufacturing",
    "Energy",
    "Logistics",
    "Construction",
    "Mining",
    "Food",
    "Chemicals",
    "Water",
];
const TECHNOLOGIES: [&str; 10] = [
    "AI",
    "IoT",
    "RFID",
    "Vision",
    "Robotics",
    "Digital twin",
    "5G",
    "Edge",
    "Blockchain",
    "AR",
];
const CITIES: [&str; 6] = ["Riyadh", "Jeddah", "Dammam", "Mecca", "Medina", "Tabuk"];

pub async fn run() {
    let count = std::env::var("P2P_BENCH_USE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_USE_CASES);
    // A MongoDB run takes longer than an access token lives.
    let long_tokens = |raw: &mut p2p_server::config::Config| {
        raw.access_token_ttl_secs = 4 * 3600;
    };
    let only = std::env::var("P2P_BENCH_USE_CASE_STORE").unwrap_or_default();
    if Backend::from_env() == Backend::Full {
        if only != "mongodb" {
            let app = TestApp::spawn_with(|raw| {
                long_tokens(raw);
                raw.mongodb.url = None;
            })
            .await;
            measure(app, "PostgreSQL only", count).await;
        }
        if only != "postgres" {
            let app = TestApp::spawn_with(long_tokens).await;
            measure(app, "MongoDB (SecantusDB)", count).await;
        }
    } else {
        measure(TestApp::spawn_with(long_tokens).await, "SQLite", count).await;
    }
}

fn doc(i: usize, org: OrgId, user: UserId, base: OffsetDateTime) -> UseCaseDoc {
    let at = base + time::Duration::seconds(i as i64);
    let technology = vec![
        TECHNOLOGIES[i % TECHNOLOGIES.len()].to_owned(),
        TECHNOLOGIES[(i / 7) % TECHNOLOGIES.len()].to_owned(),
    ];
    UseCaseDoc::new(UseCaseView {
        id: UseCaseId::new(),
        title: format!("Use case {i}: line {} retrofit", i % 97),
        industry: INDUSTRIES[i % INDUSTRIES.len()].to_owned(),
        technology,
        problem_statement: format!("Scrap rate of {}% on line {}", i % 30, i % 97),
        solution: "Sensors, a model and a dashboard for the shift leads".into(),
        outcomes: Outcomes {
            cost_savings: Some(format!("{}%", i % 40)),
            ..Default::default()
        },
        vendor_info: VendorInfo {
            name: Some(format!("Vendor {}", i % 50)),
            ..Default::default()
        },
        media: Vec::new(),
        location: Some(Location {
            city: CITIES[i % CITIES.len()].to_owned(),
            coordinates: Some([24.7, 46.7]),
        }),
        tags: vec![format!("tag{}", i % 25)],
        status: Status::Published,
        submitted_by: user,
        organization_id: org,
        view_count: (i % 1000) as i64,
        revision_count: 0,
        created_at: at,
        updated_at: at,
        published_at: Some(at),
        hidden: false,
    })
}

async fn measure(app: TestApp, label: &str, count: usize) {
    let me = app.signup(&unique_email("uc-bench")).await;
    let org = OrgId(me.org_id.parse().unwrap());
    let user = UserId(me.user_id.parse().unwrap());
    let store = app.state().services.usecases.store().clone();
    let base = OffsetDateTime::now_utc() - time::Duration::days(400);
    let started = Instant::now();
    for start in (0..count).step_by(BATCH) {
        let docs: Vec<UseCaseDoc> = (start..(start + BATCH).min(count))
            .map(|i| doc(i, org, user, base))
            .collect();
        store.insert_many(&docs).await.unwrap();
    }
    let seeded = started.elapsed();
    println!(
        "use cases [{label}]: seeded {count} in bulk in {:.1} s ({:.0} rows/s)",
        seeded.as_secs_f64(),
        count as f64 / seeded.as_secs_f64()
    );

    let baseline = sample(&app, &me.access, "/api/v1/users/me")
        .await
        .unwrap()
        .all;
    println!("  baseline GET /users/me: {}", baseline.summary());
    let base_p99 = baseline.percentile(99.0);
    for facets in [false, true] {
        for (name, query) in [
            ("latest", "limit=20"),
            ("popular", "limit=20&sort=popular"),
            ("industry", "limit=20&industry=energy"),
            ("technology+city", "limit=20&technology=iot&city=jeddah"),
            ("tag", "limit=20&tag=tag7"),
            (
                "industry+tag+q",
                "limit=20&industry=mining&tag=tag4&q=line%2012",
            ),
        ] {
            let path = format!("/api/v1/use-cases?{query}&facets={facets}");
            let with = if facets { "with facets" } else { "no facets" };
            match sample(&app, &me.access, &path).await {
                Ok(l) => println!(
                    "  GET /use-cases ({name}, {with}): {} (first {:.1} ms) = {:.1}x the baseline p99",
                    l.summary(),
                    ms(l.first),
                    ms(l.percentile(99.0)) / ms(base_p99).max(0.001)
                ),
                Err(failure) => println!("  GET /use-cases ({name}, {with}): {failure}"),
            }
        }
    }
    export(&app, &me.access, label).await;
    app.stop().await;
}

/// The latencies of a request repeated, and of its first time (facet counts
/// are cached after it until the next write).
struct Sampled {
    all: Latencies,
    first: Duration,
}

impl std::ops::Deref for Sampled {
    type Target = Latencies;
    fn deref(&self) -> &Latencies {
        &self.all
    }
}

/// `SAMPLES` sequential requests; the first failure is reported instead.
async fn sample(app: &TestApp, token: &str, path: &str) -> Result<Sampled, String> {
    let url = app.url(path);
    let n = std::env::var("P2P_BENCH_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(SAMPLES);
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let (status, took) = app.timed_get(&url, token).await;
        if status != 200 {
            return Err(format!("failed: status {status} after {:.0} ms", ms(took)));
        }
        samples.push(took);
    }
    Ok(Sampled {
        first: samples[0],
        all: Latencies::new(samples),
    })
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn export(app: &TestApp, token: &str, label: &str) {
    let before = rss_kib();
    let mut peak = before;
    let started = Instant::now();
    let resp = app
        .client
        .get(app.url("/api/v1/use-cases/export?format=csv"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    if resp.status() != 200 {
        println!(
            "  export CSV [{label}]: failed with status {}",
            resp.status()
        );
        return;
    }
    let mut body = resp.bytes_stream();
    let (mut bytes, mut lines) = (0usize, 0usize);
    let mut last_probe = Instant::now();
    while let Some(chunk) = body.next().await {
        let Ok(chunk) = chunk else {
            println!("  export CSV [{label}]: the stream broke after {lines} lines");
            return;
        };
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
        if last_probe.elapsed() > Duration::from_millis(50) {
            peak = peak.max(rss_kib());
            last_probe = Instant::now();
        }
    }
    let elapsed = started.elapsed();
    // Every row holds one embedded new line (problem statements have none here), plus the header.
    let rows = lines.saturating_sub(1);
    println!(
        "  export CSV [{label}]: {rows} rows, {:.1} MiB in {:.1} s = {:.0} rows/s; resident memory grew by {:.1} MiB at most (server and client in one process)",
        bytes as f64 / 1048576.0,
        elapsed.as_secs_f64(),
        rows as f64 / elapsed.as_secs_f64(),
        (peak.saturating_sub(before)) as f64 / 1024.0
    );
}
