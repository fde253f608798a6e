//! `p2p-fleet`: several instances behind a real load balancer (`cargo xtask fleet`). Starts
//! the drills' private PostgreSQL, Redis, MongoDB-compatible, S3 and SMTP servers
//! ([`p2p_tests::drill::services`]), `P2P_FLEET_INSTANCES` full-stack `p2p-server` instances
//! on them ([`fleet`], each draining for [`DRAIN_SECS`] on SIGTERM) and HAProxy in front
//! ([`balancer`]); then restarts under load ([`restarts`]: a rolling restart and a kill -9)
//! and the simulated-user runs ([`users`]: each count of `P2P_FLEET_USERS` on one instance,
//! directly, and on two behind HAProxy). Prints the tables and exits 1 on any violation of the
//! restarts' requirements (the user runs are measured and reported; they fail the run only
//! when `P2P_FLEET_MAX_ERROR_PERCENT` is set and exceeded).
//!
//! Knobs (set by `cargo xtask fleet`): `P2P_FLEET_INSTANCES` (3), `P2P_FLEET_SOCKETS` (100
//! subscribers in the restarts), `P2P_FLEET_USERS` (`1000,10000`; empty: no user runs),
//! `P2P_FLEET_MEASURE_SECS` (60 per user run), `P2P_FLEET_HAPROXY` (the program), and the
//! drills' `P2P_CHAOS_DIR`, `P2P_CHAOS_SERVICES` and `P2P_TEST_*` URLs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod balancer;
mod fleet;
mod limits;
mod restarts;
mod users;

use balancer::{Balancer, FALL, INTER_SECS};
use p2p_tests::drill::services::{self, Private};
use p2p_tests::env_number;
use p2p_tests::process::sibling_server_binary;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `P2P_SHUTDOWN_DRAIN_SECS` of every instance: above HAProxy's check interval times its fall
/// count, so the balancer has taken an instance out before it stops listening.
const DRAIN_SECS: u64 = INTER_SECS * FALL + 1;

fn env(key: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| panic!("{key} is not set: run `cargo xtask fleet`"))
}

#[tokio::main]
async fn main() {
    let started = Instant::now();
    let (soft, hard) = limits::raise_descriptors();
    let instances = env_number::<usize>("P2P_FLEET_INSTANCES", 3).max(2);
    let sockets = env_number::<usize>("P2P_FLEET_SOCKETS", 100);
    let measure = Duration::from_secs(env_number::<u64>("P2P_FLEET_MEASURE_SECS", 60));
    let user_counts: Vec<usize> = std::env::var("P2P_FLEET_USERS")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .filter(|n| !n.trim().is_empty())
        .map(|n| n.trim().parse().expect("P2P_FLEET_USERS: whole numbers"))
        .collect();
    let max_error_percent: Option<f64> = std::env::var("P2P_FLEET_MAX_ERROR_PERCENT")
        .ok()
        .map(|v| v.parse().expect("P2P_FLEET_MAX_ERROR_PERCENT: a number"));
    let haproxy = PathBuf::from(env("P2P_FLEET_HAPROXY"));
    let dir = PathBuf::from(env("P2P_CHAOS_DIR"));
    let maildir = PathBuf::from(env("P2P_TEST_MAILDIR"));

    let mut backends = Vec::new();
    for (backend, port, program) in services::manifest() {
        backends.push(Private::start(backend, port, program, &dir).await);
    }
    let mut raw = p2p_tests::drill::server_config(&dir).await;
    raw.shutdown_drain_secs = DRAIN_SECS;
    let mut fleet = fleet::Fleet::start(&sibling_server_binary(), raw, instances, &dir).await;
    let servers: Vec<(String, u16)> = fleet
        .instances
        .iter()
        .map(|i| (i.name.clone(), i.port))
        .collect();
    let balancer = Balancer::start(&haproxy, &dir, &servers).await;
    let (maxconn, haproxy_files) = balancer.limits();
    println!(
        "p2p-fleet: {instances} instances ({}) behind HAProxy {} (health check every \
         {INTER_SECS} s, fall {FALL}; drain {DRAIN_SECS} s); descriptors: {soft} (hard {hard}); \
         HAProxy maxconn {maxconn} (ulimit-n {haproxy_files})",
        servers
            .iter()
            .enumerate()
            .map(|(i, (name, port))| format!("{name} :{port} pid {}", fleet.pid(i)))
            .collect::<Vec<_>>()
            .join(", "),
        balancer.base
    );

    let (mut violations, traffic) = restarts::run(&mut fleet, &balancer, sockets, &maildir).await;
    for violation in &violations {
        println!("VIOLATION: {violation}");
    }

    let mut outcomes = Vec::new();
    if !user_counts.is_empty() {
        let population = Arc::new(users::Population {
            tokens: traffic.workload.tokens().to_vec(),
            user_ids: traffic.user_ids.clone(),
            topics: traffic.workload.topics().to_vec(),
        });
        for &count in &user_counts {
            for on_two in [false, true] {
                let (base, target) = if on_two {
                    for extra in servers.iter().skip(2) {
                        balancer.set_state(&extra.0, "maint");
                    }
                    (balancer.base.clone(), "2 via HAProxy".to_owned())
                } else {
                    (fleet.base(0), "1 (direct)".to_owned())
                };
                println!("\nusers: {count} on {target} ...");
                let outcome = users::run(&base, &target, &population, count, measure).await;
                print_outcome(&outcome);
                outcomes.push(outcome);
                for extra in servers.iter().skip(2) {
                    balancer.set_state(&extra.0, "ready");
                }
                // Let the servers close the sockets and settle before the next run.
                tokio::time::sleep(Duration::from_secs(10)).await;
            }
        }
        print_table(&outcomes);
        if let Some(limit) = max_error_percent {
            for outcome in &outcomes {
                let failed_sockets = outcome.sockets_failed + outcome.sockets_lost;
                if outcome.error_rate() > limit || failed_sockets > 0 {
                    violations.push(format!(
                        "{} users on {}: {:.2}% errors (limit {limit}%), {failed_sockets} \
                         sockets failed or lost",
                        outcome.users,
                        outcome.target,
                        outcome.error_rate()
                    ));
                }
            }
        }
    }

    println!("p2p-fleet: {} s in all", started.elapsed().as_secs());
    drop(balancer);
    drop(fleet);
    drop(backends);
    if !violations.is_empty() {
        for violation in &violations {
            eprintln!("p2p-fleet: VIOLATION: {violation}");
        }
        eprintln!("p2p-fleet: logs in {}", dir.display());
        std::process::exit(1);
    }
    println!("p2p-fleet: passed");
}

fn print_outcome(outcome: &users::Outcome) {
    println!(
        "  sockets: {} connected, {} failed, {} lost; {} events delivered in {} s measured",
        outcome.sockets_connected,
        outcome.sockets_failed,
        outcome.sockets_lost,
        outcome.events,
        outcome.measured.as_secs()
    );
    for (route, latencies, failed) in &outcome.routes {
        println!(
            "  {:<32} {} failed={failed}",
            route.label(),
            latencies.summary()
        );
    }
}

fn print_table(outcomes: &[users::Outcome]) {
    println!(
        "\n| users | instances | requests | errors | p99 list | p99 read | p99 reply | p99 message | p99 socket | sockets connected |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for o in outcomes {
        use users::Route;
        println!(
            "| {} | {} | {} | {} ({:.2}%) | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {} of {} |",
            o.users,
            o.target,
            o.requests(),
            o.errors(),
            o.error_rate(),
            o.p99_ms(Route::TopicList),
            o.p99_ms(Route::TopicRead),
            o.p99_ms(Route::Reply),
            o.p99_ms(Route::Message),
            o.p99_ms(Route::Socket),
            o.sockets_connected,
            o.users
        );
    }
}
