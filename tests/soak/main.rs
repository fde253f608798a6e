//! `p2p-soak`: the endurance run (`cargo xtask soak`). Spawns the `p2p-server`
//! binary, keeps the mixed workload of [`p2p_tests::load`] running at a
//! steady concurrency, and every sample interval records resident memory,
//! open file descriptors, the database pool, Redis' memory (full stack: the
//! whole server's, and the run's own keys') and the interval's requests,
//! failures and p99; at the end, the run's Redis keys by family
//! ([`redis_keys`]). Fails when resident memory or
//! descriptors grow more than 5% over the second half of the run, or when
//! more than 1% of an interval's requests fail.
//!
//! `P2P_TEST_BACKEND` picks the backend, `P2P_SOAK_MINUTES` (default 30) the
//! length and `P2P_SOAK_SAMPLE_SECS` (default 60) the interval;
//! `P2P_SOAK_REPLAY_RETENTION_SECS` sets the server's replay retention
//! (`P2P_REPLAY_RETENTION_SECS`, default 3600), to see the run's Redis keys
//! level off within a short run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod redis_keys;

use p2p_tests::load::Workload;
use p2p_tests::process::{ServerProcess, mib, sibling_server_binary};
use p2p_tests::stats::ms;
use p2p_tests::{Backend, Isolation, env_number};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const USERS: usize = 8;
const TOPICS: usize = 25;
const CONCURRENCY: usize = 8;
const BATCH: usize = 200;
/// Growth over the second half that fails the run.
const MAX_GROWTH: f64 = 0.05;

struct Sample {
    minute: f64,
    rss_kib: u64,
    fds: usize,
    pool: f64,
    redis_bytes: Option<u64>,
    /// The run's own keys (under its prefix).
    run_redis_bytes: Option<u64>,
    requests: usize,
    failed: usize,
    p99_ms: f64,
}

#[tokio::main]
async fn main() {
    let backend = Backend::from_env();
    let minutes = env_number::<u64>("P2P_SOAK_MINUTES", 30);
    let interval = Duration::from_secs(env_number::<u64>("P2P_SOAK_SAMPLE_SECS", 60).max(1));
    let length = Duration::from_secs(minutes * 60);

    let mut isolation = Isolation::new();
    let mut raw = isolation.config(backend).await;
    raw.workers = None;
    raw.access_token_ttl_secs = 24 * 3600;
    if let Ok(secs) = std::env::var("P2P_SOAK_REPLAY_RETENTION_SECS") {
        raw.replay.retention_secs = secs
            .parse()
            .expect("P2P_SOAK_REPLAY_RETENTION_SECS: a number of seconds");
    }
    let binary = sibling_server_binary();
    std::fs::create_dir_all(&isolation.data_dir).expect("data dir");
    let log = isolation.data_dir.with_extension("log");
    let server = ServerProcess::spawn(&binary, raw, &log).await;
    println!(
        "p2p-soak: backend {backend:?}, {minutes} min, a sample every {interval:?}, server pid {}",
        server.pid()
    );
    let workload = Arc::new(Workload::prepare(&server.base, USERS, TOPICS).await);
    let redis = (backend == Backend::Full).then(p2p_kernel::testenv::redis_url);
    let prefix = isolation.redis_prefix();

    println!(
        "{:>6} {:>9} {:>5} {:>5} {:>10} {:>8} {:>9} {:>7} {:>8}",
        "minute", "RSS MiB", "fds", "pool", "redis MiB", "run MiB", "requests", "failed", "p99 ms"
    );
    let started = Instant::now();
    let mut samples = Vec::new();
    while started.elapsed() < length {
        let window = Instant::now();
        let (mut requests, mut failed, mut latencies) = (0, 0, Vec::new());
        while window.elapsed() < interval {
            let report = workload.closed_loop(BATCH, CONCURRENCY).await;
            requests += report.requests;
            failed += report.failed;
            latencies.push(report.latencies.percentile(0.99));
        }
        latencies.sort_unstable();
        let pool = server
            .footprint()
            .await
            .into_iter()
            .find(|(name, _)| name == "db_pool_connections")
            .map_or(0.0, |(_, v)| v);
        let sample = Sample {
            minute: started.elapsed().as_secs_f64() / 60.0,
            rss_kib: server.rss_kib(),
            fds: open_descriptors(server.pid()),
            pool,
            redis_bytes: match &redis {
                Some(url) => redis_used_memory(url).await,
                None => None,
            },
            run_redis_bytes: match &redis {
                Some(url) => redis_keys::families(url, &prefix)
                    .await
                    .ok()
                    .map(|families| redis_keys::total_bytes(&families)),
                None => None,
            },
            requests,
            failed,
            p99_ms: latencies.last().copied().map_or(0.0, ms),
        };
        let in_mib = |bytes: Option<u64>| {
            bytes.map_or("-".to_owned(), |b| format!("{:.1}", b as f64 / 1048576.0))
        };
        println!(
            "{:>6.1} {:>9.1} {:>5} {:>5} {:>10} {:>8} {:>9} {:>7} {:>8.1}",
            sample.minute,
            mib(sample.rss_kib),
            sample.fds,
            sample.pool,
            in_mib(sample.redis_bytes),
            in_mib(sample.run_redis_bytes),
            sample.requests,
            sample.failed,
            sample.p99_ms
        );
        samples.push(sample);
    }

    let mut failures = Vec::new();
    for s in &samples {
        if s.failed * 100 > s.requests {
            failures.push(format!(
                "minute {:.1}: {} of {} requests failed (log: {})",
                s.minute,
                s.failed,
                s.requests,
                log.display()
            ));
        }
    }
    let trend = |name: &str, value: &dyn Fn(&Sample) -> f64, failures: &mut Vec<String>| {
        let growth = second_half_growth(&samples, value);
        println!(
            "{name}: {:+.1}% over the second half (limit +{:.0}%)",
            growth * 100.0,
            MAX_GROWTH * 100.0
        );
        if growth > MAX_GROWTH {
            failures.push(format!(
                "{name} grew {:+.1}% over the second half",
                growth * 100.0
            ));
        }
    };
    #[allow(clippy::cast_precision_loss)]
    {
        trend("resident memory", &|s| s.rss_kib as f64, &mut failures);
        trend("open descriptors", &|s| s.fds as f64, &mut failures);
    }
    if let Some(url) = &redis {
        let printed = match redis_keys::families(url, &prefix).await {
            Ok(families) => redis_keys::print(url, &families).await,
            Err(e) => Err(e),
        };
        if let Err(e) = printed {
            println!("p2p-soak: the run's Redis keys could not be listed: {e}");
        }
    }
    drop(workload);
    drop(server);
    isolation.cleanup().await;
    if !failures.is_empty() {
        for failure in &failures {
            eprintln!("p2p-soak: FAILED: {failure}");
        }
        std::process::exit(1);
    }
    let _ = std::fs::remove_file(&log);
    println!("p2p-soak: passed");
}

/// Growth from the start of the second half to the end: the median of the
/// second half's first quarter of samples against the median of its last
/// quarter (at least one sample each), so one noisy sample does not decide.
fn second_half_growth(samples: &[Sample], value: &dyn Fn(&Sample) -> f64) -> f64 {
    let half = &samples[samples.len() / 2..];
    if half.len() < 2 {
        return 0.0;
    }
    let quarter = (half.len() / 4).max(1);
    let median = |part: &[Sample]| {
        let mut values: Vec<f64> = part.iter().map(value).collect();
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let (start, end) = (
        median(&half[..quarter]),
        median(&half[half.len() - quarter..]),
    );
    end / start.max(1.0) - 1.0
}

fn open_descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

/// `used_memory` from Redis' `INFO memory` (the whole server's, not only this run's keys).
async fn redis_used_memory(url: &str) -> Option<u64> {
    let address = url
        .trim_start_matches("redis://")
        .split('/')
        .next()?
        .rsplit('@')
        .next()?
        .to_owned();
    let mut stream = tokio::net::TcpStream::connect(address).await.ok()?;
    stream.write_all(b"INFO memory\r\n").await.ok()?;
    let mut buffer = vec![0u8; 16 * 1024];
    let read = tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buffer))
        .await
        .ok()?
        .ok()?;
    String::from_utf8_lossy(&buffer[..read])
        .lines()
        .find_map(|line| line.strip_prefix("used_memory:")?.trim().parse().ok())
}
