//! Real-time fan-out on one server instance: publish-to-last-subscriber
//! latency for 1,000 and 10,000 WebSocket subscribers of one topic, and the
//! resident memory of an idle connection.
//!
//! Both ends of every socket live in this process (the server spawned by the
//! harness and the benchmark's clients), so each connection costs two file
//! descriptors: the open-file limit is raised for this process when it is too
//! low for that (`prlimit`, which needs the privilege to raise the hard limit;
//! otherwise the subscriber counts are reduced and the output says so).

use crate::stats::{Latencies, ms};
use futures_util::stream::{self, FuturesUnordered, SelectAll};
use futures_util::{SinkExt, StreamExt};
use p2p_kernel::Actor;
use p2p_kernel::ids::TopicId;
use p2p_tests::{Session, TestApp, unique_email};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_with_config};

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Subscribers of one topic, one measurement each.
const FANOUT_SIZES: [usize; 2] = [1_000, 10_000];
/// p99 targets of the issue for the sizes above.
const FANOUT_TARGETS_MS: [f64; 2] = [10.0, 100.0];
/// Users whose tokens open the sockets (several sockets per user).
const USERS: usize = 4;
/// Events published before the measured ones (not counted).
const WARMUP_EVENTS: usize = 2;
/// Measured events per size.
const EVENTS: usize = 20;
/// Pause between an event's arrival everywhere and the next publish.
const EVENT_GAP: Duration = Duration::from_millis(75);
/// How long an event may take to reach every subscriber.
const EVENT_TIMEOUT: Duration = Duration::from_secs(10);
/// Client tasks sharing the sockets of one measurement.
const READER_TASKS: usize = 4;
/// Idle connections of the memory measurement.
const IDLE_CONNECTIONS: usize = 5_000;
/// Handshakes in flight while connecting.
const CONNECT_CONCURRENCY: usize = 64;
/// Bound of each connecting phase.
const SETUP_TIMEOUT: Duration = Duration::from_secs(90);
/// Bound on any single expected frame.
const FRAME_TIMEOUT: Duration = Duration::from_secs(15);
/// Descriptors kept aside for the server's pools, runtimes and the like.
const SPARE_FDS: u64 = 500;
/// Target of the issue for the memory of an idle connection.
const IDLE_TARGET_KIB: f64 = 16.0;

pub async fn run() {
    let largest = FANOUT_SIZES.iter().copied().max().unwrap_or(0);
    let needed = (2 * largest).max(4 * IDLE_CONNECTIONS) as u64 + SPARE_FDS;
    let limit = ensure_open_files(needed);
    let usable = limit.saturating_sub(SPARE_FDS) as usize;
    if (limit as u128) < needed as u128 {
        println!(
            "realtime: open-file limit {limit} < {needed} needed: subscriber counts reduced to fit"
        );
    }

    let app = TestApp::spawn().await;
    let mut sessions = Vec::new();
    for _ in 0..USERS {
        sessions.push(app.signup(&unique_email("fanout")).await);
    }
    let actor = app
        .state()
        .realtime
        .authenticate(&sessions[0].access)
        .await
        .expect("the bench user authenticates");

    println!(
        "realtime: server and WebSocket clients share this process and its {} cores \
         (clients: {READER_TASKS} reader tasks); traffic on 127.0.0.1 only",
        crate::cores()
    );

    // Memory first, before the fan-out runs grow and fragment the heap.
    idle_memory(&app, &sessions, IDLE_CONNECTIONS.min(usable / 4)).await;

    for (size, target) in FANOUT_SIZES.into_iter().zip(FANOUT_TARGETS_MS) {
        let n = size.min(usable / 2);
        fanout(&app, &sessions, &actor, n, target).await;
    }
    app.stop().await;
}

// ---------------------------------------------------------------------------
// Fan-out latency

/// Per-event arrival bookkeeping shared by the reader tasks.
struct Tracker {
    /// Sockets that must receive each event.
    subscribers: usize,
    channel: String,
    /// The channel's sequence number when the sockets subscribed.
    base_seq: u64,
    epoch: Instant,
    received: Vec<AtomicUsize>,
    first_nanos: Vec<AtomicU64>,
    last_nanos: Vec<AtomicU64>,
    /// Frames that were neither a counted event nor a heartbeat.
    other_frames: AtomicUsize,
    errors: AtomicUsize,
    complete: Notify,
}

#[derive(Deserialize)]
struct Frame {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    seq: Option<u64>,
}

impl Tracker {
    fn new(subscribers: usize, channel: String, base_seq: u64, events: usize) -> Self {
        Self {
            subscribers,
            channel,
            base_seq,
            epoch: Instant::now(),
            received: (0..events).map(|_| AtomicUsize::new(0)).collect(),
            first_nanos: (0..events).map(|_| AtomicU64::new(u64::MAX)).collect(),
            last_nanos: (0..events).map(|_| AtomicU64::new(0)).collect(),
            other_frames: AtomicUsize::new(0),
            errors: AtomicUsize::new(0),
            complete: Notify::new(),
        }
    }

    fn on_text(&self, text: &str, at: Instant) {
        let index = serde_json::from_str::<Frame>(text).ok().and_then(|f| {
            let seq = f.seq?;
            (f.kind == "event" && f.channel.as_deref() == Some(self.channel.as_str()))
                .then(|| seq.checked_sub(self.base_seq + 1))
                .flatten()
                .map(|i| i as usize)
                .filter(|i| *i < self.received.len())
        });
        let Some(i) = index else {
            self.other_frames.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let nanos = at.duration_since(self.epoch).as_nanos() as u64;
        self.first_nanos[i].fetch_min(nanos, Ordering::AcqRel);
        self.last_nanos[i].fetch_max(nanos, Ordering::AcqRel);
        if self.received[i].fetch_add(1, Ordering::AcqRel) + 1 == self.subscribers {
            self.complete.notify_one();
        }
    }

    fn received(&self, i: usize) -> usize {
        self.received[i].load(Ordering::Acquire)
    }

    fn at(&self, nanos: &AtomicU64) -> Instant {
        self.epoch + Duration::from_nanos(nanos.load(Ordering::Acquire))
    }
}

/// One client task: owns its share of the sockets and polls them all,
/// timestamping each topic event as it is read.
async fn read_events(
    mut incoming: mpsc::UnboundedReceiver<Socket>,
    tracker: Arc<Tracker>,
    mut stop: watch::Receiver<bool>,
) -> Vec<Socket> {
    let mut sockets: SelectAll<Socket> = SelectAll::new();
    let mut adding = true;
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            socket = incoming.recv(), if adding => match socket {
                Some(socket) => sockets.push(socket),
                None => adding = false,
            },
            msg = sockets.next(), if !sockets.is_empty() => match msg {
                Some(Ok(Message::Text(text))) => tracker.on_text(&text, Instant::now()),
                Some(Ok(_)) => {}
                Some(Err(_)) => {
                    tracker.errors.fetch_add(1, Ordering::Relaxed);
                }
                None => {}
            },
            else => break,
        }
    }
    sockets.into_iter().collect()
}

async fn fanout(app: &TestApp, sessions: &[Session], actor: &Actor, n: usize, target_ms: f64) {
    let forum = &app.state().services.forum;
    let topic = forum
        .create_topic(
            actor,
            serde_json::from_value(json!({
                "title": format!("Fan-out to {n} subscribers"),
                "content": "A topic for the real-time benchmark.",
            }))
            .unwrap(),
        )
        .await
        .expect("topic created");
    let topic_id: TopicId = topic.topic.id;
    let channel = format!("topic:{topic_id}");

    // Subscribe one socket first to learn the channel's head.
    let started = Instant::now();
    let mut probe = connect_user(app, &sessions[0]).await;
    let base_seq = subscribe(&mut probe, &channel).await;
    let total = WARMUP_EVENTS + EVENTS;
    let tracker = Arc::new(Tracker::new(n, channel.clone(), base_seq, total));

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut feeds = Vec::new();
    let mut readers = Vec::new();
    for _ in 0..READER_TASKS {
        let (tx, rx) = mpsc::unbounded_channel();
        feeds.push(tx);
        readers.push(tokio::spawn(read_events(
            rx,
            tracker.clone(),
            stop_rx.clone(),
        )));
    }
    feeds[0].send(probe).unwrap();

    let mismatched = AtomicUsize::new(0);
    let connecting = stream::iter(1..n)
        .map(|i| {
            let session = &sessions[i % sessions.len()];
            let channel = channel.as_str();
            async move {
                let mut ws = connect_user(app, session).await;
                let seq = subscribe(&mut ws, channel).await;
                (i, ws, seq)
            }
        })
        .buffer_unordered(CONNECT_CONCURRENCY)
        .for_each(|(i, ws, seq)| {
            if seq != base_seq {
                mismatched.fetch_add(1, Ordering::Relaxed);
            }
            feeds[i % READER_TASKS].send(ws).unwrap();
            async {}
        });
    tokio::time::timeout(SETUP_TIMEOUT, connecting)
        .await
        .unwrap_or_else(|_| panic!("{n} subscribers did not connect within {SETUP_TIMEOUT:?}"));
    drop(feeds);
    let setup = started.elapsed();
    let local = app
        .state()
        .realtime
        .hub()
        .local_subscribers(&serde_json::from_value(json!(channel)).expect("a channel name"));
    assert_eq!(
        mismatched.load(Ordering::Relaxed),
        0,
        "subscribers saw different heads"
    );

    // Publish: one post at a time, each waited for everywhere (or timed out).
    let mut to_last = Vec::new();
    let mut to_first = Vec::new();
    let mut create = Vec::new();
    let mut incomplete = Vec::new();
    for i in 0..total {
        let published = Instant::now();
        forum
            .create_post(
                actor,
                topic_id,
                serde_json::from_value(json!({ "content": format!("Event {i} of the fan-out.") }))
                    .unwrap(),
            )
            .await
            .expect("post created");
        let returned = published.elapsed();
        let deadline = published + EVENT_TIMEOUT;
        while tracker.received(i) < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if tokio::time::timeout(left, tracker.complete.notified())
                .await
                .is_err()
            {
                break;
            }
        }
        if i >= WARMUP_EVENTS {
            if tracker.received(i) >= n {
                to_last.push(tracker.at(&tracker.last_nanos[i]) - published);
                to_first.push(tracker.at(&tracker.first_nanos[i]) - published);
                create.push(returned);
            } else {
                incomplete.push(format!("event {i}: {}/{n}", tracker.received(i)));
            }
        }
        tokio::time::sleep(EVENT_GAP).await;
    }

    let _ = stop_tx.send(true);
    let mut sockets = Vec::with_capacity(n);
    for reader in readers {
        sockets.extend(reader.await.unwrap());
    }
    let open = sockets.len();
    close_all(sockets).await;

    let last = Latencies::new(to_last);
    println!(
        "fan-out to N={n} subscribers of {channel} ({} users, {local} local subscribers; \
         connected and subscribed in {:.1} s), {EVENTS} events after {WARMUP_EVENTS} warm-up, \
         one post at a time via ForumService::create_post:",
        sessions.len(),
        setup.as_secs_f64()
    );
    println!("  publish → last subscriber:  {}", last.summary());
    println!(
        "  publish → first subscriber: {}",
        Latencies::new(to_first).summary()
    );
    println!(
        "  create_post returned:       {}",
        Latencies::new(create).summary()
    );
    let p99 = ms(last.percentile(99.0));
    println!(
        "  target p99 ≤ {target_ms} ms at {n}: {} ({p99:.2} ms)",
        if p99 <= target_ms && incomplete.is_empty() {
            "met"
        } else {
            "NOT met"
        }
    );
    if !incomplete.is_empty() {
        println!(
            "  events not received by every subscriber within {EVENT_TIMEOUT:?}: {}",
            incomplete.join(", ")
        );
    }
    println!(
        "  sockets still open at the end: {open}/{n}; socket errors: {}; other frames: {}",
        tracker.errors.load(Ordering::Relaxed),
        tracker.other_frames.load(Ordering::Relaxed)
    );
}

// ---------------------------------------------------------------------------
// Memory of idle connections

async fn idle_memory(app: &TestApp, sessions: &[Session], m: usize) {
    // The client-only holder is ready before any measurement.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let holder_url = format!("ws://{}/", listener.local_addr().unwrap());
    let holder = tokio::spawn(hold(listener, m));
    tokio::time::sleep(Duration::from_millis(300)).await;

    let before = rss_kib();
    let started = Instant::now();
    let to_server = tokio::time::timeout(
        SETUP_TIMEOUT,
        stream::iter(0..m)
            .map(|i| connect_user(app, &sessions[i % sessions.len()]))
            .buffer_unordered(CONNECT_CONCURRENCY)
            .collect::<Vec<_>>(),
    )
    .await
    .expect("idle connections opened in time");
    let connect_time = started.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let with_server = rss_kib();

    let to_holder = tokio::time::timeout(
        SETUP_TIMEOUT,
        stream::iter(0..m)
            .map(|_| open(&holder_url))
            .buffer_unordered(CONNECT_CONCURRENCY)
            .collect::<Vec<_>>(),
    )
    .await
    .expect("holder connections opened in time");
    let held = tokio::time::timeout(SETUP_TIMEOUT, holder)
        .await
        .expect("holder done")
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let with_holder = rss_kib();

    let both = (with_server - before) as f64 / m as f64;
    let client = (with_holder - with_server) as f64 / m as f64;
    let server = both - client;
    println!(
        "idle connections: {m} sockets on /ws (own channel subscribed, opened in {:.1} s): \
         RSS {before} → {with_server} KiB",
        connect_time.as_secs_f64()
    );
    println!("  server + client per connection (upper bound): {both:.2} KiB");
    println!(
        "  client side alone ({m} identical client sockets to a bare listener that completes \
         the handshake and holds the TCP stream): {client:.2} KiB"
    );
    println!(
        "  server side per idle connection ≈ {server:.2} KiB (target ≤ {IDLE_TARGET_KIB} KiB: {}); \
         user-space RSS only, kernel socket buffers not included",
        if server <= IDLE_TARGET_KIB {
            "met"
        } else {
            "NOT met"
        }
    );
    close_all(to_server).await;
    close_all(to_holder).await;
    drop(held);
}

/// Accepts `count` WebSocket handshakes, answers them and holds the streams.
async fn hold(listener: TcpListener, count: usize) -> Vec<TcpStream> {
    let mut held = Vec::with_capacity(count);
    let mut handshakes = FuturesUnordered::new();
    let mut accepted = 0;
    while held.len() < count {
        tokio::select! {
            conn = listener.accept(), if accepted < count => {
                let (stream, _) = conn.expect("accepted");
                accepted += 1;
                handshakes.push(answer_handshake(stream));
            }
            Some(done) = handshakes.next(), if !handshakes.is_empty() => {
                held.push(done.expect("holder handshake"));
            }
        }
    }
    held
}

async fn answer_handshake(mut stream: TcpStream) -> std::io::Result<TcpStream> {
    let mut buf = [0u8; 2048];
    let mut len = 0;
    while !buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
        if len == buf.len() {
            return Err(std::io::Error::other("request too large"));
        }
        let read = stream.read(&mut buf[len..]).await?;
        if read == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        len += read;
    }
    let request = String::from_utf8_lossy(&buf[..len]);
    let key = request
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("sec-websocket-key")
                .then(|| value.trim().to_owned())
        })
        .ok_or_else(|| std::io::Error::other("no Sec-WebSocket-Key"))?;
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    );
    stream.write_all(response.as_bytes()).await?;
    Ok(stream)
}

/// The resident set of this process, in KiB.
fn rss_kib() -> i64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------
// Sockets

/// Small client buffers: the client shares the process (and its RSS) with the server.
async fn open(url: &str) -> Socket {
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let (ws, response) = connect_async_with_config(url, Some(config), true)
        .await
        .expect("websocket handshake");
    assert_eq!(response.status().as_u16(), 101);
    ws
}

/// `/ws` as `session`, after its own channel's `subscribed` frame.
pub(crate) async fn connect_user(app: &TestApp, session: &Session) -> Socket {
    let url = format!(
        "{}/ws?access_token={}",
        app.base.replacen("http://", "ws://", 1),
        session.access
    );
    let mut ws = open(&url).await;
    let frame = next_frame(&mut ws).await;
    assert_eq!(frame["type"], "subscribed", "{frame}");
    ws
}

/// Subscribes to `channel` and returns its head sequence number.
async fn subscribe(ws: &mut Socket, channel: &str) -> u64 {
    let frame = json!({"type": "subscribe", "channel": channel}).to_string();
    ws.send(Message::text(frame)).await.expect("subscribe sent");
    loop {
        let frame = next_frame(ws).await;
        if frame["type"] == "subscribed" && frame["channel"] == channel {
            return frame["seq"].as_u64().expect("subscribed.seq");
        }
        assert_ne!(frame["type"], "error", "{frame}");
    }
}

async fn next_frame(ws: &mut Socket) -> Value {
    loop {
        let msg = tokio::time::timeout(FRAME_TIMEOUT, ws.next())
            .await
            .expect("a frame in time")
            .expect("the socket is open")
            .expect("a valid frame");
        if let Message::Text(text) = msg {
            return serde_json::from_str(&text).expect("a JSON frame");
        }
    }
}

/// Sends a close frame on every socket (bounded in time) and drops them.
pub(crate) async fn close_all(sockets: Vec<Socket>) {
    stream::iter(sockets)
        .for_each_concurrent(256, |mut ws| async move {
            let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
        })
        .await;
}

// ---------------------------------------------------------------------------
// Open-file limit

/// Raises this process's open-file limit to `needed` when it is lower;
/// returns the limit in force.
pub(crate) fn ensure_open_files(needed: u64) -> u64 {
    let current = open_files_limit();
    if current >= needed {
        return current;
    }
    let raised = std::process::Command::new("prlimit")
        .arg(format!("--pid={}", std::process::id()))
        .arg(format!("--nofile={needed}:{needed}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let now = open_files_limit();
    println!(
        "realtime: open-file limit {current} → {now} (needed {needed}: both ends of each socket are in this process){}",
        if raised { "" } else { "; prlimit failed" }
    );
    now
}

fn open_files_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            limits
                .lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(1024)
}
