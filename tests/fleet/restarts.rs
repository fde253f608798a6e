//! Restarts under load, through the balancer: the drill's steady mixed load
//! ([`p2p_tests::drill::traffic`]) and WebSocket subscribers that resume with `since`
//! ([`p2p_tests::drill::sockets`]), both through HAProxy; then a rolling restart (SIGTERM to
//! each instance in turn, wait for it to exit, start it again, wait until the balancer has it
//! up) and a kill -9 of one instance. Required, and checked here:
//! - rolling restart: every request answered 2xx; every instance exits 0; every socket was
//!   closed with 1001 at least once, none any other way, and each came back;
//! - kill -9: every failed request was in flight on the killed instance when it died: sent
//!   before it was dead (reaped after the SIGKILL), answered after the SIGKILL, and either
//!   HAProxy's log names that instance or HAProxy closed the client's connection without an
//!   answer or a log line (what HAProxy 2.6 does with a request whose server died under it;
//!   only the killed instance died, so only its requests can end so); the killed instance's
//!   sockets come back through the balancer;
//! - afterwards every acknowledged write is there, and every socket saw every acknowledged
//!   reply of its topic without a gap or a duplicate ([`p2p_tests::drill::verify`]).

use crate::balancer::{Balancer, FALL, INTER_SECS};
use crate::fleet::Fleet;
use p2p_tests::drill::sockets::{self, Subscriber};
use p2p_tests::drill::traffic::{Failure, Record, Traffic};
use p2p_tests::drill::verify;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Accounts (few: each signup from one address counts against its limit) and topics.
const USERS: usize = 8;
const TOPICS: usize = 12;
const HOT_TOPICS: usize = 4;
const CLIENTS: usize = 4;
const SETTLE: Duration = Duration::from_secs(5);

/// Each subscriber's socket counters at a moment: (connects, closed with 1001, ended otherwise).
type Counters = Vec<(usize, usize, usize)>;

fn counters(subscribers: &[Arc<Subscriber>]) -> Counters {
    subscribers
        .iter()
        .map(|s| {
            let seen = s.seen.lock().expect("seen");
            (seen.connects, seen.going_away, seen.dropped)
        })
        .collect()
}

/// Runs both phases; the violations found, and the load's accounts and topics (for the
/// simulated users: signing up more would meet the per-address signup limit).
pub async fn run(
    fleet: &mut Fleet,
    balancer: &Balancer,
    sockets: usize,
    maildir: &Path,
) -> (Vec<String>, Arc<Traffic>) {
    let mut violations = Vec::new();
    let traffic = Arc::new(Traffic::prepare(&balancer.base, USERS, TOPICS, HOT_TOPICS).await);
    let stop_sockets = Arc::new(AtomicBool::new(false));
    let subscribers = sockets::spawn(
        &balancer.base,
        traffic.workload.tokens(),
        &traffic.hot_topics,
        sockets,
        stop_sockets.clone(),
    )
    .await;
    let load = traffic.spawn(CLIENTS, Duration::from_millis(25), Duration::from_secs(2));
    println!(
        "restarts: {CLIENTS} request loops and a signup every 2 s, {sockets} sockets, all \
         through HAProxy ({})",
        balancer.base
    );
    tokio::time::sleep(SETTLE).await;

    println!("\nrolling restart (SIGTERM, exit, start, ready, up in HAProxy):");
    println!(
        "{:<4} {:>6} {:>10} {:>13} {:>10} {:>11}",
        "inst", "exit", "exited s", "HAProxy down", "ready s", "HAProxy up"
    );
    for i in 0..fleet.instances.len() {
        let name = fleet.instances[i].name.clone();
        let sent = Instant::now();
        let terminate = fleet.terminate(i);
        let (status, down) = tokio::join!(terminate, async {
            balancer
                .wait_for(&name, "DOWN", Duration::from_secs(60))
                .await
        });
        let exited = sent.elapsed();
        if !status.success() {
            violations.push(format!("{name} exited with {status} after SIGTERM"));
        }
        if down > exited {
            violations.push(format!(
                "{name} exited ({:.1} s) before HAProxy took it out ({:.1} s): the drain is \
                 shorter than the health check's {INTER_SECS} s x {FALL}",
                exited.as_secs_f64(),
                down.as_secs_f64()
            ));
        }
        let ready = fleet.start_again(i).await;
        let up = balancer
            .wait_for(&name, "UP", Duration::from_secs(60))
            .await;
        println!(
            "{name:<4} {:>6} {:>10.1} {:>13.1} {:>10.1} {:>11.1}",
            status.code().map_or("signal".to_owned(), |c| c.to_string()),
            exited.as_secs_f64(),
            down.as_secs_f64(),
            ready.as_secs_f64(),
            (ready + up).as_secs_f64()
        );
    }
    tokio::time::sleep(SETTLE).await;
    let after_rolling = counters(&subscribers);

    // The first instance restarted is the one holding sockets now (its sockets moved to the
    // others, whose sockets then moved to it).
    let victim = 0;
    let victim_name = fleet.instances[victim].name.clone();
    let killed_at = Instant::now();
    fleet.kill(victim);
    let dead_at = Instant::now();
    let down = balancer
        .wait_for(&victim_name, "DOWN", Duration::from_secs(60))
        .await;
    println!(
        "\nkill -9 {victim_name}: dead (reaped) {:.0} ms after the SIGKILL, HAProxy had it down \
         after {:.1} s",
        (dead_at - killed_at).as_secs_f64() * 1000.0,
        down.as_secs_f64()
    );
    tokio::time::sleep(SETTLE).await;
    fleet.start_again(victim).await;
    balancer
        .wait_for(&victim_name, "UP", Duration::from_secs(60))
        .await;
    tokio::time::sleep(SETTLE).await;

    traffic.stop.store(true, Ordering::Relaxed);
    for task in load {
        let _ = task.await;
    }
    let after_kill = counters(&subscribers);
    let losses = verify::check(&traffic, &subscribers, maildir).await;
    stop_sockets.store(true, Ordering::Relaxed);
    let records = traffic.records.lock().expect("records").clone();

    violations.extend(judge_rolling(&records, killed_at, &after_rolling));
    violations.extend(judge_kill(
        &records,
        (killed_at, dead_at),
        &victim_name,
        balancer,
        &after_rolling,
        &after_kill,
    ));
    losses.report(
        "acknowledged writes afterwards (both phases)",
        &mut violations,
    );
    let resyncs: usize = subscribers
        .iter()
        .map(|s| s.seen.lock().expect("seen").resyncs)
        .sum();
    println!("resync_required over the run: {resyncs}");
    if resyncs > 0 {
        violations.push(format!(
            "{resyncs} resumes answered resync_required instead of replaying from `since`"
        ));
    }
    (violations, traffic)
}

/// Whether `record` was answered (or given up on) at or after `at`.
fn ended_after(record: &Record, at: Instant) -> bool {
    record.sent + record.took >= at
}

fn ok(record: &Record) -> bool {
    (200..300).contains(&record.status)
}

fn judge_rolling(records: &[Record], killed_at: Instant, sockets: &Counters) -> Vec<String> {
    let mut violations = Vec::new();
    let rolling: Vec<&Record> = records
        .iter()
        .filter(|r| !ended_after(r, killed_at))
        .collect();
    let failed: Vec<&&Record> = rolling.iter().filter(|r| !ok(r)).collect();
    let closed: usize = sockets.iter().map(|(_, away, _)| away).sum();
    let dropped: usize = sockets.iter().map(|(_, _, dropped)| dropped).sum();
    let never_closed = sockets.iter().filter(|(_, away, _)| *away == 0).count();
    let not_back = sockets
        .iter()
        .filter(|(connects, away, dropped)| *connects != away + dropped + 1)
        .count();
    println!(
        "\nrolling restart: {} requests, {} failed; sockets: {} closed with 1001, {} ended \
         otherwise, {} never closed, {} not reconnected",
        rolling.len(),
        failed.len(),
        closed,
        dropped,
        never_closed,
        not_back
    );
    for record in failed.iter().take(10) {
        violations.push(format!(
            "rolling restart: {:?} (request {}) answered {} after {:?}",
            record.kind, record.id, record.status, record.took
        ));
    }
    if failed.len() > 10 {
        violations.push(format!(
            "rolling restart: {} failed requests in all",
            failed.len()
        ));
    }
    if dropped > 0 {
        violations.push(format!(
            "rolling restart: {dropped} sockets ended without 1001"
        ));
    }
    if never_closed > 0 {
        violations.push(format!(
            "rolling restart: {never_closed} sockets never closed (did every instance restart?)"
        ));
    }
    if not_back > 0 {
        violations.push(format!(
            "rolling restart: {not_back} sockets did not reconnect"
        ));
    }
    violations
}

fn judge_kill(
    records: &[Record],
    (killed_at, dead_at): (Instant, Instant),
    victim: &str,
    balancer: &Balancer,
    before: &Counters,
    after: &Counters,
) -> Vec<String> {
    let mut violations = Vec::new();
    let phase: Vec<&Record> = records
        .iter()
        .filter(|r| ended_after(r, killed_at))
        .collect();
    let in_flight = phase.iter().filter(|r| r.sent <= dead_at).count();
    let logged = balancer.logged();
    let (mut explained, mut unexplained) = (0, Vec::new());
    for record in phase.iter().filter(|r| !ok(r)) {
        // A request whose server dies under it gets no answer and no log line: HAProxy closes
        // the client's connection (seen for requests sent up to 145 ms before the SIGKILL and
        // 30 ms after it, before the instance was reaped).
        let silently_closed = !logged.contains_key(&record.id)
            && record.status == 0
            && record.failure == Some(Failure::ClosedBeforeAnswer);
        let on_victim = logged.get(&record.id).is_some_and(|l| l.server == victim);
        if record.sent <= dead_at && (on_victim || silently_closed) {
            explained += 1;
        } else {
            unexplained.push(*record);
        }
    }
    let reset: usize = before
        .iter()
        .zip(after)
        .map(|((_, _, was), (_, _, now))| now - was)
        .sum();
    let not_back = after
        .iter()
        .filter(|(connects, away, dropped)| *connects != away + dropped + 1)
        .count();
    println!(
        "kill -9: {} requests answered after the kill ({in_flight} of them in flight at it), \
         {explained} failed in flight on {victim}, {} other failures; sockets: {reset} cut, \
         {not_back} not reconnected",
        phase.len(),
        unexplained.len()
    );
    for record in &unexplained {
        let log = logged.get(&record.id).map_or("not logged".to_owned(), |l| {
            format!("{} answered {} ({})", l.server, l.status, l.termination)
        });
        violations.push(format!(
            "kill -9: {:?} (request {}, sent {:?} {}) answered {}{} {:?} after the kill, not \
             in flight on {victim} (HAProxy: {log})",
            record.kind,
            record.id,
            record.sent.max(killed_at) - record.sent.min(killed_at),
            if record.sent <= killed_at {
                "before the kill"
            } else {
                "after it"
            },
            record.status,
            record
                .failure
                .map_or(String::new(), |failure| format!(" ({failure})")),
            (record.sent + record.took).saturating_duration_since(killed_at),
        ));
    }
    if not_back > 0 {
        violations.push(format!("kill -9: {not_back} sockets did not reconnect"));
    }
    violations
}
