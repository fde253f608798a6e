//! `p2p-chaos`: the fault drill (`cargo xtask chaos`). Starts private PostgreSQL, Redis,
//! MongoDB-compatible, S3 and SMTP servers ([`services`]), a full-stack `p2p-server` on them,
//! a steady mixed load ([`traffic`]) and WebSocket subscribers ([`sockets`]); then, for each
//! chosen backend, stops it and later freezes it (SIGSTOP) for the hold and brings it back.
//! Each fault has three phases (before, down, after) judged by [`phases`]; at the end every
//! acknowledged write is looked for ([`verify`]). The services, load, sockets and checks live in
//! the shared `p2p_tests::drill` (the fleet drill uses them too). Prints the table and exits 1 on any
//! violation.
//!
//! Knobs (set by `cargo xtask chaos`): `P2P_CHAOS_HOLD_SECS` (30), `P2P_CHAOS_BACKENDS`
//! (`postgres,redis,mongodb,s3,smtp`), `P2P_CHAOS_SOCKETS` (100), `P2P_CHAOS_DIR` (the
//! services' data and logs, the server's log), `P2P_CHAOS_SERVICES` (each private service's
//! name, port and program) and the `P2P_TEST_*` URLs of the private services.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod phases;
mod readiness;

use p2p_tests::drill::services::{self, Backend, Private};
use p2p_tests::drill::{sockets, traffic, verify};
use p2p_tests::env_number;
use p2p_tests::process::{ServerProcess, sibling_server_binary};
use phases::{Fault, Mode};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const USERS: usize = 8;
const TOPICS: usize = 12;
const HOT_TOPICS: usize = 4;
const CLIENTS: usize = 4;
/// How long before each fault the load runs untouched, and how long after the return it is
/// watched (recovery must come within the first 5 s of it).
const BEFORE: Duration = Duration::from_secs(5);
const AFTER: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() {
    let started = Instant::now();
    let hold = Duration::from_secs(env_number::<u64>("P2P_CHAOS_HOLD_SECS", 30));
    let sockets = env_number::<usize>("P2P_CHAOS_SOCKETS", 100);
    let chosen: Vec<Backend> = std::env::var("P2P_CHAOS_BACKENDS")
        .unwrap_or_else(|_| Backend::ALL.map(Backend::label).join(","))
        .split(',')
        .map(|name| Backend::named(name.trim()))
        .collect();
    let dir = PathBuf::from(std::env::var("P2P_CHAOS_DIR").expect("P2P_CHAOS_DIR"));
    let maildir = PathBuf::from(std::env::var("P2P_TEST_MAILDIR").expect("P2P_TEST_MAILDIR"));

    let mut backends = Vec::new();
    for (backend, port, program) in services::manifest() {
        backends.push(Private::start(backend, port, program, &dir).await);
    }
    let raw = p2p_tests::drill::server_config(&dir).await;
    let log = dir.join("server.log");
    let server = ServerProcess::spawn(&sibling_server_binary(), raw, &log).await;
    println!(
        "p2p-chaos: server pid {} on {}, hold {} s, {sockets} sockets, {CLIENTS} request loops \
         and a signup every 2 s; backends {}",
        server.pid(),
        server.base,
        hold.as_secs(),
        chosen
            .iter()
            .map(|b| b.label())
            .collect::<Vec<_>>()
            .join(", ")
    );

    let traffic =
        Arc::new(traffic::Traffic::prepare(&server.base, USERS, TOPICS, HOT_TOPICS).await);
    let stop_sockets = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let subscribers = sockets::spawn(
        &server.base,
        traffic.workload.tokens(),
        &traffic.hot_topics,
        sockets,
        stop_sockets.clone(),
    )
    .await;
    let probe = readiness::Prober::spawn(&server.base);
    let load = traffic.spawn(CLIENTS, Duration::from_millis(25), Duration::from_secs(2));

    let mut faults = Vec::new();
    for backend in chosen {
        for mode in [Mode::Stop, Mode::Freeze] {
            tokio::time::sleep(BEFORE).await;
            let index = backends.iter().position(|b| b.backend == backend).unwrap();
            let down_at = Instant::now();
            match mode {
                Mode::Stop => backends[index].stop(),
                Mode::Freeze => backends[index].freeze(),
            }
            println!(
                "  {:>6.1} s: {} {}",
                started.elapsed().as_secs_f64(),
                backend.label(),
                mode.past()
            );
            tokio::time::sleep(hold).await;
            // The backend may answer from the moment its return begins; it is surely back
            // once thawed or answering on its port again (`resume` waits for that): how long a
            // stopped one takes to start is its own, not the server's recovery.
            let returning_at = Instant::now();
            match mode {
                Mode::Stop => backends[index].resume().await,
                Mode::Freeze => backends[index].thaw(),
            }
            let back_at = Instant::now();
            println!(
                "  {:>6.1} s: {} back",
                started.elapsed().as_secs_f64(),
                backend.label()
            );
            tokio::time::sleep(AFTER).await;
            faults.push(Fault {
                backend,
                mode,
                start: down_at - BEFORE,
                down_at,
                returning_at,
                back_at,
                end: Instant::now(),
            });
        }
    }

    traffic.stop.store(true, Ordering::Relaxed);
    for task in load {
        let _ = task.await;
    }
    let probes = probe.finish().await;
    let losses = verify::check(&traffic, &subscribers, &maildir).await;
    stop_sockets.store(true, Ordering::Relaxed);

    let records = traffic.records.lock().expect("records").clone();
    let mut violations = phases::report(&faults, &records, &probes);
    losses.report("acknowledged writes afterwards", &mut violations);
    let (resyncs, connects) = subscribers.iter().fold((0, 0), |(r, c), s| {
        let seen = s.seen.lock().expect("seen");
        (r + seen.resyncs, c + seen.connects)
    });
    println!(
        "sockets: {} connections over the run for {sockets} subscribers, {resyncs} resync_required",
        connects
    );
    println!(
        "p2p-chaos: {} s in all, lost writes {}",
        started.elapsed().as_secs(),
        losses.total()
    );
    drop(server);
    drop(backends);
    if !violations.is_empty() {
        for violation in &violations {
            eprintln!("p2p-chaos: VIOLATION: {violation}");
        }
        eprintln!("p2p-chaos: server log {}", log.display());
        std::process::exit(1);
    }
    println!("p2p-chaos: passed");
}
