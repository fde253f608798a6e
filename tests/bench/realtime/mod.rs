//! Real-time fan-out on one server instance: publish-to-last-subscriber
//! latency for 1,000 and 10,000 WebSocket subscribers of one topic, and the
//! resident memory of an idle connection.
//!
//! The server runs in this process (`TestApp`); the WebSocket clients run in
//! a child process (`p2p-bench realtime-clients`, see `clients` and `lean`),
//! so this process's resident set is the server's and each process needs one
//! descriptor per socket. Both share the machine's cores. Latency is measured
//! on the wall clock both processes read (see `protocol`): from just before
//! the event is published here to the arrival of its copy on the last (and
//! the first) socket there. Events are published on two paths, alternately:
//! `Hub::publish_event` (the realtime layer alone; the figure held against
//! the fan-out targets) and a reply posted over HTTP on loopback, as a client
//! posts it (`POST /forums/topics/{id}/posts`: authentication, the durable
//! write, the event): its answer time is the reply POST latency with `N`
//! subscribers connected, and its arrivals give POST → last subscriber, the
//! figures of issue 20's table (targets at 1,000: POST p50 ≤ 12 ms, POST →
//! last subscriber p99 ≤ 16 ms).
//!
//! Baseline: before each size, the same client process subscribes to a
//! minimal server (`floor`) that writes the same frames to every socket and
//! does nothing else: the least this machine needs to fan an event out over
//! loopback TCP. The server's figures are reported as a ratio to it.

mod child;
pub mod clients;
mod floor;
mod lean;
mod protocol;
pub mod transports;
mod wire;

use child::Clients;
use floor::FloorServer;
use p2p_kernel::ids::TopicId;
use p2p_kernel::{Actor, Event};
use p2p_realtime::frames::EventTemplate;
use p2p_tests::stats::{Latencies, ms};
use p2p_tests::{TestApp, unique_email};
use protocol::{Config, now_ns};
use serde_json::json;
use std::time::{Duration, Instant};

/// Subscribers of one topic, one measurement each.
const FANOUT_SIZES: [usize; 2] = [1_000, 10_000];
/// p99 targets of the issue for the sizes above.
const FANOUT_TARGETS_MS: [f64; 2] = [10.0, 100.0];
/// Subscribers at which the reply targets of issue 20 apply, and the targets.
const REPLY_TARGETS_AT: usize = 1_000;
const REPLY_POST_P50_MS: f64 = 12.0;
const REPLY_TO_LAST_P99_MS: f64 = 16.0;
/// Users whose tokens open the sockets (several sockets per user).
const USERS: usize = 4;
/// Events published before the measured ones (not counted).
const WARMUP_EVENTS: usize = 5;
/// Measured events per size and publish path.
const EVENTS: usize = 100;
/// Pause between an event's arrival everywhere and the next publish.
const EVENT_GAP: Duration = Duration::from_millis(50);
/// How long an event may take to reach every subscriber.
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);
/// Reader threads sharing the sockets in the client process.
const READER_THREADS: usize = 1;
/// Idle connections of the memory measurement.
const IDLE_CONNECTIONS: usize = 10_000;
/// Handshakes in flight while connecting.
const CONNECT_CONCURRENCY: usize = 64;
/// Bound of each connecting phase.
const SETUP_TIMEOUT: Duration = Duration::from_secs(300);
/// Descriptors kept aside for the server's pools, runtimes and the like.
const SPARE_FDS: u64 = 500;
/// Target of the issue for the memory of an idle connection.
const IDLE_TARGET_KIB: f64 = 16.0;

pub async fn run() {
    let largest = FANOUT_SIZES
        .iter()
        .copied()
        .chain([IDLE_CONNECTIONS])
        .max()
        .unwrap_or(0);
    // One descriptor per socket in each process (the child inherits the limit).
    let needed = largest as u64 + SPARE_FDS;
    let limit = crate::sockets::ensure_open_files(needed);
    let usable = limit.saturating_sub(SPARE_FDS) as usize;
    if limit < needed {
        println!(
            "realtime: open-file limit {limit} < {needed} needed: socket counts reduced to fit"
        );
    }

    // A few users hold thousands of sockets each: lift the per-user cap.
    let app = TestApp::spawn_with(|raw| raw.ws.max_sockets_per_user = 10_000).await;
    let mut tokens = Vec::new();
    for _ in 0..USERS {
        tokens.push(app.signup(&unique_email("fanout")).await.access);
    }
    let (actor, _) = app
        .state()
        .realtime
        .authenticate(&tokens[0])
        .await
        .expect("the bench user authenticates");
    println!(
        "realtime: server in this process, WebSocket clients in a child process \
         ({READER_THREADS} reader thread(s), plain epoll), both on the same {} cores; traffic on 127.0.0.1 only",
        crate::cores()
    );

    // Memory first, before the fan-out runs grow and fragment the heap.
    idle_memory(&app, &tokens, IDLE_CONNECTIONS.min(usable)).await;
    for (size, target) in FANOUT_SIZES.into_iter().zip(FANOUT_TARGETS_MS) {
        fanout(&app, &tokens, &actor, size.min(usable), target).await;
    }
    app.stop().await;
}

fn config(app: &TestApp, tokens: &[String], sockets: usize, channel: Option<&str>) -> Config {
    config_for(&crate::sockets::ws_url(app), tokens, sockets, channel)
}

fn config_for(url: &str, tokens: &[String], sockets: usize, channel: Option<&str>) -> Config {
    Config {
        url: url.to_owned(),
        tokens: tokens.to_vec(),
        sockets,
        channel: channel.map(str::to_owned),
        events: if channel.is_some() {
            WARMUP_EVENTS + 2 * EVENTS
        } else {
            0
        },
        reader_tasks: READER_THREADS,
        concurrency: CONNECT_CONCURRENCY,
    }
}

// ---------------------------------------------------------------------------
// Fan-out latency

async fn fanout(app: &TestApp, tokens: &[String], actor: &Actor, n: usize, target_ms: f64) {
    let forum = &app.state().services.forum;
    let (topic, _) = crate::retry::attempts("topic created", || {
        forum.create_topic(
            actor,
            serde_json::from_value(json!({
                "title": format!("Fan-out to {n} subscribers"),
                "content": "A topic for the real-time benchmark.",
            }))
            .unwrap(),
        )
    })
    .await;
    let topic_id: TopicId = topic.topic.id;
    let channel = format!("topic:{topic_id}");
    // The post whose event the hub path publishes again; made before anyone
    // subscribes (subscribers start at the head, after it).
    let (sample, _) = crate::retry::attempts("post created", || {
        forum.create_post(
            actor,
            topic_id,
            new_post("The post whose event is replayed."),
        )
    })
    .await;
    let sample = serde_json::to_value(&sample).expect("a post view");
    let template = EventTemplate::new(
        &channel.parse().expect("a channel name"),
        "post.created",
        &sample,
    )
    .expect("an event template");
    let floor = floor_fanout(tokens, n, &channel, &template).await;
    // Replies are posted over HTTP like a client's, by a user signed up now
    // (the 10,000-socket setup can outlast an access token).
    let replier = app.signup(&unique_email("replier")).await;

    let mut clients = Clients::spawn(&config(app, tokens, n, Some(&channel)));
    let ready = clients.ready(SETUP_TIMEOUT).await;
    assert_eq!(ready.mismatched, 0, "subscribers saw different heads");
    let local = app
        .state()
        .realtime
        .hub()
        .local_subscribers(&channel.parse().expect("a channel name"));
    let clock_before = clients.clock_check().await;
    let (server_cpu_before, client_cpu_before) = (cpu_time(), clients.cpu_time());

    // Publish, one event at a time, each waited for everywhere (or timed
    // out), alternating two paths: the hub itself (the realtime layer alone:
    // sequence number and log append, feed, dispatch, socket writes) and a
    // post created through the forum (its database write comes first).
    let hub = app.state().realtime.hub();
    let mut direct = Arrivals::default();
    let mut via_forum = Arrivals::default();
    let mut create = Vec::new();
    let mut retried = 0;
    for i in 0..WARMUP_EVENTS + 2 * EVENTS {
        let seq = ready.base_seq + 1 + i as u64;
        let through_forum = i % 2 == 1;
        let mut skip = false;
        let published = now_ns();
        let started = Instant::now();
        if through_forum {
            let content = format!("Event {i} of the fan-out.");
            let failed = post_reply(app, &replier.access, topic_id, &content).await;
            // A retried post's time is the outage's, not the fan-out's.
            if failed > 0 {
                retried += 1;
                skip = true;
            }
        } else {
            let event = Event::new(channel.clone(), "post.created", sample.clone());
            hub.publish_event(&event).await.expect("event published");
        }
        let returned = started.elapsed();
        let (received, first_ns, last_ns) = clients.event(seq, EVENT_TIMEOUT).await;
        if i >= WARMUP_EVENTS && !skip {
            let arrivals = if through_forum {
                create.push(returned);
                &mut via_forum
            } else {
                &mut direct
            };
            arrivals.record(seq, n, (received, first_ns, last_ns), published);
        }
        tokio::time::sleep(EVENT_GAP).await;
    }
    let (server_cpu, client_cpu) = (
        cpu_time().saturating_sub(server_cpu_before),
        clients.cpu_time().saturating_sub(client_cpu_before),
    );
    let deliveries = (n * (WARMUP_EVENTS + 2 * EVENTS)) as f64;
    let clock_after = clients.clock_check().await;
    let client_rss = clients.rss_kib();
    let closed = clients.close().await;

    println!(
        "fan-out to N={n} subscribers of {channel} ({} users, {local} local subscribers; \
         connected and subscribed in {:.1} s), {WARMUP_EVENTS} warm-up events, then {EVENTS} \
         published on the hub and {EVENTS} replies posted over HTTP (POST /forums/topics/{{id}}/posts), \
         alternating, one at a time, {} ms apart:",
        tokens.len(),
        ready.setup.as_secs_f64(),
        EVENT_GAP.as_millis()
    );
    let last = Latencies::new(direct.last);
    let reply_last = Latencies::new(via_forum.last);
    let reply_answered = Latencies::new(create);
    println!(
        "  Hub::publish_event → last subscriber:  {}",
        last.summary()
    );
    println!(
        "  Hub::publish_event → first subscriber: {}",
        Latencies::new(direct.first).summary()
    );
    println!(
        "  POST reply (HTTP) → last subscriber:   {}",
        reply_last.summary()
    );
    println!(
        "  POST reply (HTTP) → first subscriber:  {}",
        Latencies::new(via_forum.first).summary()
    );
    println!(
        "  POST reply answered (client's view):   {}",
        reply_answered.summary()
    );
    println!(
        "  CPU per delivered frame (whole run, both paths, user + system, clock ticks of 10 ms): \
         server process {:.1} µs, client process {:.1} µs; spread over {} cores, one event to \
         all {n} costs {:.0} ms of the machine",
        server_cpu.as_secs_f64() * 1e6 / deliveries,
        client_cpu.as_secs_f64() * 1e6 / deliveries,
        crate::cores(),
        (server_cpu + client_cpu).as_secs_f64() * 1e3 / deliveries * n as f64
            / crate::cores() as f64
    );
    floor.print(n);
    let ratio = |p: f64| ms(last.percentile(p)) / ms(floor.last.percentile(p)).max(f64::EPSILON);
    println!(
        "  Hub::publish_event → last subscriber ÷ loopback floor: p50 {:.2}×, p99 {:.2}×",
        ratio(50.0),
        ratio(99.0)
    );
    let p99 = ms(last.percentile(99.0));
    let incomplete: Vec<String> = direct
        .incomplete
        .into_iter()
        .chain(via_forum.incomplete)
        .collect();
    println!(
        "  target p99 ≤ {target_ms} ms at {n} (publish → last subscriber): {} ({p99:.2} ms)",
        met(p99 <= target_ms && incomplete.is_empty())
    );
    if n == REPLY_TARGETS_AT {
        let post_p50 = ms(reply_answered.percentile(50.0));
        let to_last_p99 = ms(reply_last.percentile(99.0));
        println!(
            "  targets at {n} (issue 20): reply POST p50 ≤ {REPLY_POST_P50_MS} ms: {} ({post_p50:.2} ms); \
             POST → last subscriber p99 ≤ {REPLY_TO_LAST_P99_MS} ms: {} ({to_last_p99:.2} ms)",
            met(post_p50 <= REPLY_POST_P50_MS),
            met(to_last_p99 <= REPLY_TO_LAST_P99_MS)
        );
    }
    if !incomplete.is_empty() {
        println!(
            "  events not received by every subscriber within {EVENT_TIMEOUT:?}: {}",
            incomplete.join(", ")
        );
    }
    if retried > 0 {
        println!("  replies retried after a 503 (samples left out): {retried}");
    }
    println!(
        "  clocks (wall clock, both processes): {}; client process RSS {client_rss} KiB",
        clock_summary(&clock_before, &clock_after)
    );
    println!(
        "  sockets still open at the end: {}/{n}; socket errors: {}; other frames: {}",
        closed.open, closed.errors, closed.other_frames
    );
}

/// The loopback floor's figures at one size (see `floor`).
struct FloorRun {
    last: Latencies,
    first: Latencies,
    /// CPU per delivered frame, µs: this process's (the writers') and the clients'.
    server_cpu_us: f64,
    client_cpu_us: f64,
    incomplete: usize,
    failed_writes: usize,
}

impl FloorRun {
    fn print(&self, n: usize) {
        println!(
            "  loopback floor (same client process and frames; a minimal server writes the \
             frame to every socket, {} threads, nothing else):",
            crate::cores()
        );
        println!("    write → last subscriber:  {}", self.last.summary());
        println!("    write → first subscriber: {}", self.first.summary());
        println!(
            "    CPU per delivered frame: writers {:.1} µs, client process {:.1} µs{}",
            self.server_cpu_us,
            self.client_cpu_us,
            if self.incomplete + self.failed_writes > 0 {
                format!(
                    "; {} events not everywhere, {} failed writes (of {n} sockets)",
                    self.incomplete, self.failed_writes
                )
            } else {
                String::new()
            }
        );
    }
}

/// The loopback floor at `n` subscribers: the same client process,
/// subscribed to `channel` on a [`FloorServer`], gets the hub path's frames
/// (rendered from `template`), one event at a time as in [`fanout`].
async fn floor_fanout(
    tokens: &[String],
    n: usize,
    channel: &str,
    template: &EventTemplate,
) -> FloorRun {
    let server = FloorServer::start();
    let mut config = config_for(server.url(), tokens, n, Some(channel));
    config.events = WARMUP_EVENTS + EVENTS;
    let mut clients = Clients::spawn(&config);
    let ready = clients.ready(SETUP_TIMEOUT).await;
    let (server_cpu_before, client_cpu_before) = (cpu_time(), clients.cpu_time());
    let mut arrivals = Arrivals::default();
    let mut failed_writes = 0;
    for i in 0..WARMUP_EVENTS + EVENTS {
        let seq = ready.base_seq + 1 + i as u64;
        let frame = wire::encode(wire::TEXT, &template.render(seq), None);
        let published = now_ns();
        failed_writes += server.publish(&frame, crate::cores());
        let (received, first_ns, last_ns) = clients.event(seq, EVENT_TIMEOUT).await;
        if i >= WARMUP_EVENTS {
            arrivals.record(seq, n, (received, first_ns, last_ns), published);
        }
        tokio::time::sleep(EVENT_GAP).await;
    }
    let deliveries = (n * (WARMUP_EVENTS + EVENTS)) as f64;
    let server_cpu = cpu_time().saturating_sub(server_cpu_before);
    let client_cpu = clients.cpu_time().saturating_sub(client_cpu_before);
    clients.close().await;
    server.close();
    FloorRun {
        last: Latencies::new(arrivals.last),
        first: Latencies::new(arrivals.first),
        server_cpu_us: server_cpu.as_secs_f64() * 1e6 / deliveries,
        client_cpu_us: client_cpu.as_secs_f64() * 1e6 / deliveries,
        incomplete: arrivals.incomplete.len(),
        failed_writes,
    }
}

/// Arrival latencies of one publish path.
#[derive(Default)]
struct Arrivals {
    first: Vec<Duration>,
    last: Vec<Duration>,
    incomplete: Vec<String>,
}

impl Arrivals {
    /// Event `seq`'s arrival report (how many of the `n` sockets got it, the
    /// first and last arrival), against its publish time.
    fn record(
        &mut self,
        seq: u64,
        n: usize,
        (received, first_ns, last_ns): (usize, u64, u64),
        published: u64,
    ) {
        if received >= n {
            self.last
                .push(Duration::from_nanos(last_ns.saturating_sub(published)));
            self.first
                .push(Duration::from_nanos(first_ns.saturating_sub(published)));
        } else {
            self.incomplete.push(format!("seq {seq}: {received}/{n}"));
        }
    }
}

/// Posts a reply over HTTP, again after a 503 (up to 5 attempts); returns
/// how many attempts failed.
async fn post_reply(app: &TestApp, token: &str, topic: TopicId, content: &str) -> usize {
    let path = format!("/api/v1/forums/topics/{topic}/posts");
    for failed in 0..5 {
        let resp = app
            .post(&path, Some(token), &json!({ "content": content }))
            .await;
        match resp.status {
            201 => return failed,
            503 => tokio::time::sleep(Duration::from_millis(500)).await,
            status => panic!("reply answered {status}: {}", resp.text),
        }
    }
    panic!("reply answered 503 five times");
}

fn met(yes: bool) -> &'static str {
    if yes { "met" } else { "NOT met" }
}

fn new_post(content: &str) -> p2p_forum::NewPost {
    serde_json::from_value(json!({ "content": content })).unwrap()
}

fn clock_summary(before: &Result<Duration, String>, after: &Result<Duration, String>) -> String {
    match (before, after) {
        (Ok(b), Ok(a)) => format!(
            "agree before and after (check windows {:.0} µs, {:.0} µs)",
            b.as_secs_f64() * 1e6,
            a.as_secs_f64() * 1e6
        ),
        (Err(e), _) | (_, Err(e)) => format!("DISAGREE ({e}): latencies unreliable"),
    }
}

// ---------------------------------------------------------------------------
// Memory of idle connections

async fn idle_memory(app: &TestApp, tokens: &[String], m: usize) {
    // Warm the server's paths (handshake, authentication, subscription) and
    // let its pools fill before the baseline.
    let mut warm = Clients::spawn(&config(app, tokens, 64, None));
    warm.ready(SETUP_TIMEOUT).await;
    warm.close().await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let before = rss_kib();
    let mut clients = Clients::spawn(&config(app, tokens, m, None));
    let ready = clients.ready(SETUP_TIMEOUT).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss_kib();
    let client_rss = clients.rss_kib();
    let closed = clients.close().await;

    let per = (after - before) as f64 / m as f64;
    println!(
        "idle connections: {m} sockets on /ws (own channel subscribed; opened by the client \
         process in {:.1} s): server process RSS {before} → {after} KiB",
        ready.setup.as_secs_f64()
    );
    println!(
        "  server side per idle connection: {per:.2} KiB (target ≤ {IDLE_TARGET_KIB} KiB: {}); \
         user-space RSS only, kernel socket buffers not included",
        met(per <= IDLE_TARGET_KIB)
    );
    println!(
        "  client process: {client_rss} KiB RSS with the sockets open ({:.2} KiB each, \
         for reference); {} still open at the end",
        client_rss as f64 / m as f64,
        closed.open
    );
}

/// CPU time this process (the server's) has used so far.
fn cpu_time() -> Duration {
    cpu_time_of("/proc/self/stat")
}

/// User plus system time from a `/proc/<pid>/stat` file (0 if unreadable).
fn cpu_time_of(stat: &str) -> Duration {
    const TICKS_PER_SECOND: u64 = 100; // USER_HZ on Linux
    let stat = std::fs::read_to_string(stat).unwrap_or_default();
    // The fields after the command name (which may hold spaces), from `state` on.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the file, 12th and 13th after the name.
    let ticks = field(11) + field(12);
    Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND)
}

/// The resident set of this process (the server's), in KiB.
fn rss_kib() -> i64 {
    rss_kib_of("/proc/self/status")
}

fn rss_kib_of(status: &str) -> i64 {
    let status = std::fs::read_to_string(status).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
