//! Resident memory and throughput of the server binary per global allocator
//! (`cargo xtask bench <backend> memory` builds one `p2p-server` per allocator
//! and passes them in `P2P_BENCH_SERVERS=name=path,...`). Each runs in its own
//! process, the same workload one after the other: warm-up, then repeated
//! closed-loop rounds of the mixed workload of `p2p_tests::load` (a throughput
//! that falls from round to round, or memory that keeps growing, shows here),
//! then resident memory after a pause.

use p2p_tests::load::Workload;
use p2p_tests::process::{ServerProcess, mib};
use p2p_tests::{Backend, Isolation};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

const USERS: usize = 8;
const TOPICS: usize = 25;
const CONCURRENCY: usize = 16;
const WARM_UP: usize = 5_000;
/// Rounds by default; `P2P_BENCH_MEMORY_ROUNDS` asks for more (to watch a plateau).
const ROUNDS: usize = 4;
const PER_ROUND: usize = 8_000;

struct Outcome {
    name: String,
    start_mib: f64,
    first_rps: f64,
    last_rps: f64,
    worst_p99_ms: f64,
    after_load_mib: f64,
    after_rest_mib: f64,
}

pub async fn run() {
    let servers = servers("P2P_BENCH_SERVERS");
    if servers.is_empty() {
        println!("memory: P2P_BENCH_SERVERS is not set (cargo xtask bench sets it); skipped");
        return;
    }
    let backend = Backend::from_env();
    let mut outcomes = Vec::new();
    for (name, binary) in servers {
        outcomes.push(measure(backend, &name, &binary).await);
    }
    let Some(baseline) = outcomes.first().map(|o| (o.last_rps, o.after_load_mib)) else {
        return;
    };
    let rounds = rounds();
    println!(
        "memory ({backend:?}, {} users, {} topics, {} clients; {} + {}×{} mixed requests):",
        USERS, TOPICS, CONCURRENCY, WARM_UP, rounds, PER_ROUND
    );
    println!(
        "| allocator | start MiB | round 1 req/s | round {rounds} req/s | worst p99 ms | RSS after load MiB | after 10 s rest | req/s vs {0} | RSS vs {0} |",
        outcomes[0].name
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for o in &outcomes {
        println!(
            "| {} | {:.1} | {:.0} | {:.0} | {:.1} | {:.1} | {:.1} | {:.2} | {:.2} |",
            o.name,
            o.start_mib,
            o.first_rps,
            o.last_rps,
            o.worst_p99_ms,
            o.after_load_mib,
            o.after_rest_mib,
            o.last_rps / baseline.0,
            o.after_load_mib / baseline.1,
        );
    }
}

async fn measure(backend: Backend, name: &str, binary: &std::path::Path) -> Outcome {
    let mut isolation = Isolation::new();
    let mut raw = isolation.config(backend).await;
    raw.workers = None;
    raw.access_token_ttl_secs = 3600;
    std::fs::create_dir_all(&isolation.data_dir).expect("data dir");
    let log = isolation.data_dir.with_extension("log");
    let server = ServerProcess::spawn(binary, raw, &log).await;
    let start_mib = mib(server.rss_kib());
    let workload = Arc::new(Workload::prepare(&server.base, USERS, TOPICS).await);
    workload.closed_loop(WARM_UP, CONCURRENCY).await;
    let mut rates = Vec::new();
    let mut worst_p99_ms: f64 = 0.0;
    for round in 1..=rounds() {
        let report = workload.closed_loop(PER_ROUND, CONCURRENCY).await;
        let p99 = p2p_tests::stats::ms(report.latencies.percentile(99.0));
        worst_p99_ms = worst_p99_ms.max(p99);
        println!(
            "memory [{name}] round {round}: {:.0} req/s, {}, {} failed, RSS {:.1} MiB",
            report.per_second(),
            report.latencies.summary(),
            report.failed,
            mib(server.rss_kib())
        );
        println!("memory [{name}]   {}", server.footprint_line().await);
        rates.push(report.per_second());
    }
    let after_load_mib = mib(server.rss_kib());
    tokio::time::sleep(Duration::from_secs(10)).await;
    let after_rest_mib = mib(server.rss_kib());
    drop(server);
    isolation.cleanup().await;
    let _ = std::fs::remove_file(&log);
    Outcome {
        name: name.to_owned(),
        start_mib,
        first_rps: rates.first().copied().unwrap_or(0.0),
        last_rps: rates.last().copied().unwrap_or(0.0),
        worst_p99_ms,
        after_load_mib,
        after_rest_mib,
    }
}

fn rounds() -> usize {
    std::env::var("P2P_BENCH_MEMORY_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ROUNDS)
        .max(1)
}

/// `name=path` pairs of the variable `var` (`P2P_BENCH_SERVERS`, `P2P_BENCH_WS_SERVERS`),
/// in order (the first is the baseline).
pub fn servers(var: &str) -> Vec<(String, PathBuf)> {
    std::env::var(var)
        .unwrap_or_default()
        .split(',')
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, path)| (name.to_owned(), PathBuf::from(path)))
        .collect()
}
