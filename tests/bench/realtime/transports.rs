//! The WebSocket transports side by side (issue 16; the bench's section
//! `transports`): `p2p-server` built once per transport (`cargo xtask bench
//! <backend> transports` passes the binaries
//! in `P2P_BENCH_WS_SERVERS=name=path,...`, today's response body first: the
//! baseline), each in its own process, one after the other, the same
//! workload, repeated `P2P_BENCH_WS_ROUNDS` times (2 by default) alternating
//! the transports:
//!
//! - memory per idle socket: the server's resident set before and after
//!   [`IDLE_SOCKETS`] idle `/ws` sockets (own channel subscribed; after a
//!   warm-up of 64 sockets), divided by their number;
//! - CPU per delivered frame: [`SUBSCRIBERS`] sockets subscribed to one
//!   topic while [`PUBLISHES`] replies are posted to it over HTTP at a
//!   steady [`PUBLISH_RATE`]; the server process's CPU time (user + system,
//!   `/proc/<pid>/stat`) over the run, less the CPU time of the same replies
//!   posted with no socket open (the database and HTTP work), divided by the
//!   frames the clients received.

use super::child::Clients;
use super::{config_for, cpu_time_of, rss_kib_of};
use p2p_tests::Isolation;
use p2p_tests::load::Workload;
use p2p_tests::process::ServerProcess;
use std::path::Path;
use std::time::{Duration, Instant};

/// Idle sockets of the memory measurement.
const IDLE_SOCKETS: usize = 5_000;
/// Subscribers of the topic in the CPU measurement.
const SUBSCRIBERS: usize = 1_000;
/// Replies posted (events published) per phase.
const PUBLISHES: usize = 200;
/// Replies posted per second.
const PUBLISH_RATE: u32 = 20;
/// Users whose tokens open the sockets.
const USERS: usize = 4;
/// How long one event may take to reach every subscriber.
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);
/// Bound of each connecting phase.
const SETUP_TIMEOUT: Duration = Duration::from_secs(300);

/// One transport's figures in one round.
struct Outcome {
    name: String,
    round: usize,
    idle_kib: f64,
    /// Server CPU per delivered frame, µs: the whole run, and less the run without sockets.
    gross_us: f64,
    net_us: f64,
    delivered: usize,
    failed_posts: usize,
}

pub async fn run() {
    let servers = crate::memory::servers("P2P_BENCH_WS_SERVERS");
    if servers.is_empty() {
        println!(
            "realtime transports: P2P_BENCH_WS_SERVERS is not set (cargo xtask bench sets it); skipped"
        );
        return;
    }
    // One descriptor per socket in each process (the child inherits the limit).
    let needed = IDLE_SOCKETS.max(SUBSCRIBERS) as u64 + super::SPARE_FDS;
    let limit = crate::sockets::ensure_open_files(needed);
    assert!(limit >= needed, "open-file limit {limit} < {needed} needed");
    let rounds = std::env::var("P2P_BENCH_WS_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2usize)
        .max(1);
    let backend = p2p_tests::Backend::from_env();
    let mut outcomes = Vec::new();
    for round in 1..=rounds {
        for (name, binary) in &servers {
            let outcome = measure(backend, name, binary, round).await;
            println!(
                "transport [{name}] round {round}: {:.2} KiB per idle socket, {:.2} µs CPU per \
                 delivered frame ({:.2} µs before subtracting the run without sockets), {} frames \
                 delivered, {} posts failed",
                outcome.idle_kib,
                outcome.net_us,
                outcome.gross_us,
                outcome.delivered,
                outcome.failed_posts
            );
            outcomes.push(outcome);
        }
    }
    print_table(backend, &servers[0].0, &outcomes);
}

fn print_table(backend: p2p_tests::Backend, baseline: &str, outcomes: &[Outcome]) {
    let mean = |name: &str, field: fn(&Outcome) -> f64| {
        let values: Vec<f64> = outcomes
            .iter()
            .filter(|o| o.name == name)
            .map(field)
            .collect();
        values.iter().sum::<f64>() / values.len().max(1) as f64
    };
    let (base_net, base_idle) = (mean(baseline, |o| o.net_us), mean(baseline, |o| o.idle_kib));
    println!(
        "realtime transports ({backend:?}; {IDLE_SOCKETS} idle sockets; {SUBSCRIBERS} subscribers, \
         {PUBLISHES} replies at {PUBLISH_RATE}/s):"
    );
    println!(
        "| transport | round | KiB per idle socket | µs CPU per frame (net) | µs CPU per frame (gross) | frames | CPU vs {baseline} | memory vs {baseline} |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for o in outcomes {
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.2} | {} | {:.2} | {:.2} |",
            o.name,
            o.round,
            o.idle_kib,
            o.net_us,
            o.gross_us,
            o.delivered,
            o.net_us / base_net.max(f64::EPSILON),
            o.idle_kib / base_idle.max(f64::EPSILON),
        );
    }
    let mut names: Vec<&str> = outcomes.iter().map(|o| o.name.as_str()).collect();
    names.dedup();
    names.sort_unstable();
    names.dedup();
    for name in names {
        println!(
            "  {name}, mean of the rounds: {:.2} KiB per idle socket ({:.2}× {baseline}), \
             {:.2} µs CPU per frame ({:.2}× {baseline})",
            mean(name, |o| o.idle_kib),
            mean(name, |o| o.idle_kib) / base_idle.max(f64::EPSILON),
            mean(name, |o| o.net_us),
            mean(name, |o| o.net_us) / base_net.max(f64::EPSILON),
        );
    }
}

async fn measure(backend: p2p_tests::Backend, name: &str, binary: &Path, round: usize) -> Outcome {
    let mut isolation = Isolation::new();
    let mut raw = isolation.config(backend).await;
    raw.workers = None;
    raw.access_token_ttl_secs = 3600;
    raw.ws.max_sockets_per_user = 10_000;
    std::fs::create_dir_all(&isolation.data_dir).expect("data dir");
    let log = isolation.data_dir.with_extension("log");
    let server = ServerProcess::spawn(binary, raw, &log).await;
    let workload = Workload::prepare(&server.base, USERS, 1).await;
    let url = format!("{}/ws", server.base.replacen("http://", "ws://", 1));
    let stat = format!("/proc/{}/stat", server.pid());
    let status = format!("/proc/{}/status", server.pid());

    let idle_kib = idle_memory(&url, workload.tokens(), &status).await;

    let topic = &workload.topics()[0];
    let channel = format!("topic:{topic}");
    let mut config = config_for(&url, workload.tokens(), SUBSCRIBERS, Some(&channel));
    config.events = PUBLISHES;
    let mut clients = Clients::spawn(&config);
    let ready = clients.ready(SETUP_TIMEOUT).await;
    let before = cpu_time_of(&stat);
    let mut failed_posts = publish(&workload, topic, 0).await;
    let last = ready.base_seq + PUBLISHES as u64;
    clients.event(last, EVENT_TIMEOUT).await;
    let with_sockets = cpu_time_of(&stat).saturating_sub(before);
    let mut delivered = 0;
    for seq in ready.base_seq + 1..=last {
        delivered += clients.event(seq, Duration::ZERO).await.0;
    }
    clients.close().await;

    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = cpu_time_of(&stat);
    failed_posts += publish(&workload, topic, PUBLISHES).await;
    let without_sockets = cpu_time_of(&stat).saturating_sub(before);

    drop(server);
    isolation.cleanup().await;
    let _ = std::fs::remove_file(&log);
    let per_frame = |cpu: Duration| cpu.as_secs_f64() * 1e6 / delivered.max(1) as f64;
    Outcome {
        name: name.to_owned(),
        round,
        idle_kib,
        gross_us: per_frame(with_sockets),
        net_us: per_frame(with_sockets.saturating_sub(without_sockets)),
        delivered,
        failed_posts,
    }
}

/// KiB of the server's resident set per idle socket.
async fn idle_memory(url: &str, tokens: &[String], status: &str) -> f64 {
    let mut warm = Clients::spawn(&config_for(url, tokens, 64, None));
    warm.ready(SETUP_TIMEOUT).await;
    warm.close().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib_of(status);
    let mut clients = Clients::spawn(&config_for(url, tokens, IDLE_SOCKETS, None));
    clients.ready(SETUP_TIMEOUT).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss_kib_of(status);
    clients.close().await;
    (after - before) as f64 / IDLE_SOCKETS as f64
}

/// Posts [`PUBLISHES`] replies to `topic` at [`PUBLISH_RATE`] (numbered from
/// `first`); how many failed.
async fn publish(workload: &Workload, topic: &str, first: usize) -> usize {
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / PUBLISH_RATE);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let started = Instant::now();
    let mut failed = 0;
    for n in first..first + PUBLISHES {
        ticker.tick().await;
        if !workload.reply(topic, n).await {
            failed += 1;
        }
    }
    let rate = PUBLISHES as f64 / started.elapsed().as_secs_f64();
    if rate < f64::from(PUBLISH_RATE) * 0.9 {
        println!("  (replies posted at {rate:.1}/s only)");
    }
    failed
}
