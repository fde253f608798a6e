//! Simulated users: each opens a WebSocket and follows a topic (and stays connected), then
//! until the run ends thinks for 5–25 s and does one thing: browse the topic list (40%), read
//! a topic (35%), reply to one (15%) or send a message (10%). They arrive over a ramp (about
//! 400 a second); what they do after the ramp is measured: p99 per route and errors (any
//! answer but 2xx, or none within [`TIMEOUT`]), the sockets that connected, failed to or were
//! lost, and the events they were sent.

use futures_util::{SinkExt, StreamExt};
use p2p_tests::stats::{Latencies, ms};
use rand::Rng;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

/// How long a request or a socket's handshake may take before it counts as failed.
pub const TIMEOUT: Duration = Duration::from_secs(30);
const ARRIVALS_PER_SECOND: u64 = 400;
const THINK_MS: std::ops::Range<u64> = 5_000..25_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Route {
    TopicList,
    TopicRead,
    Reply,
    Message,
    /// The WebSocket's handshake and `subscribed` answer.
    Socket,
}

impl Route {
    pub const ALL: [Route; 5] = [
        Route::TopicList,
        Route::TopicRead,
        Route::Reply,
        Route::Message,
        Route::Socket,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Route::TopicList => "GET /forums/topics",
            Route::TopicRead => "GET /forums/topics/{id}",
            Route::Reply => "POST /forums/topics/{id}/posts",
            Route::Message => "POST /messages",
            Route::Socket => "WS /ws + subscribe",
        }
    }

    fn pick(roll: u32) -> Self {
        match roll {
            0..40 => Route::TopicList,
            40..75 => Route::TopicRead,
            75..90 => Route::Reply,
            _ => Route::Message,
        }
    }
}

/// The accounts and topics the users share (many users per account: a few accounts carry
/// thousands of users, so signing up is not what the run measures).
pub struct Population {
    pub tokens: Vec<String>,
    pub user_ids: Vec<String>,
    pub topics: Vec<String>,
}

/// What one run measured.
pub struct Outcome {
    pub users: usize,
    pub target: String,
    /// (route, latencies of the measured requests, how many failed)
    pub routes: Vec<(Route, Latencies, usize)>,
    pub sockets_connected: usize,
    pub sockets_failed: usize,
    pub sockets_lost: usize,
    pub events: usize,
    pub measured: Duration,
}

impl Outcome {
    pub fn requests(&self) -> usize {
        self.routes
            .iter()
            .filter(|(r, ..)| *r != Route::Socket)
            .map(|(_, l, _)| l.len())
            .sum()
    }

    pub fn errors(&self) -> usize {
        self.routes
            .iter()
            .filter(|(r, ..)| *r != Route::Socket)
            .map(|(.., e)| e)
            .sum()
    }

    #[allow(clippy::cast_precision_loss)]
    pub fn error_rate(&self) -> f64 {
        100.0 * self.errors() as f64 / self.requests().max(1) as f64
    }

    pub fn p99_ms(&self, route: Route) -> f64 {
        self.routes
            .iter()
            .find(|(r, ..)| *r == route)
            .map_or(0.0, |(_, l, _)| ms(l.percentile(99.0)))
    }
}

struct Shared {
    base: String,
    http: reqwest::Client,
    population: Arc<Population>,
    samples: Mutex<Vec<(Route, Duration, bool)>>,
    measure_from: Instant,
    until: Instant,
    connected: AtomicUsize,
    failed: AtomicUsize,
    lost: AtomicUsize,
    events: AtomicUsize,
}

/// `users` users against `base` (`target` names it in the table) for the ramp and then
/// `measure` more.
pub async fn run(
    base: &str,
    target: &str,
    population: &Arc<Population>,
    users: usize,
    measure: Duration,
) -> Outcome {
    let ramp = Duration::from_millis(1_000 * users as u64 / ARRIVALS_PER_SECOND);
    let start = Instant::now();
    let shared = Arc::new(Shared {
        base: base.to_owned(),
        http: reqwest::Client::builder()
            .timeout(TIMEOUT)
            .pool_max_idle_per_host(usize::MAX)
            .build()
            .expect("http client"),
        population: population.clone(),
        samples: Mutex::new(Vec::new()),
        measure_from: start + ramp,
        until: start + ramp + measure,
        connected: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        lost: AtomicUsize::new(0),
        events: AtomicUsize::new(0),
    });
    let mut tasks = Vec::with_capacity(users);
    for i in 0..users {
        let shared = shared.clone();
        let arrives = start + ramp.mul_f64(i as f64 / users.max(1) as f64);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(arrives.into()).await;
            user(i, &shared).await;
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let samples = std::mem::take(&mut *shared.samples.lock().expect("samples"));
    let routes = Route::ALL
        .into_iter()
        .map(|route| {
            let mine: Vec<&(Route, Duration, bool)> =
                samples.iter().filter(|(r, ..)| *r == route).collect();
            let failed = mine.iter().filter(|(.., ok)| !ok).count();
            let latencies = Latencies::new(mine.iter().map(|(_, took, _)| *took).collect());
            (route, latencies, failed)
        })
        .collect();
    Outcome {
        users,
        target: target.to_owned(),
        routes,
        sockets_connected: shared.connected.load(Ordering::Relaxed),
        sockets_failed: shared.failed.load(Ordering::Relaxed),
        sockets_lost: shared.lost.load(Ordering::Relaxed),
        events: shared.events.load(Ordering::Relaxed),
        measured: measure,
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One user: a socket on its topic, then think, act, think... until the run ends.
async fn user(i: usize, shared: &Shared) {
    let population = &shared.population;
    let account = i % population.tokens.len();
    let token = &population.tokens[account];
    let topic = &population.topics[i % population.topics.len()];
    let started = Instant::now();
    let mut socket = subscribe(&shared.base, token, topic).await;
    let took = started.elapsed();
    match socket {
        Some(_) => shared.connected.fetch_add(1, Ordering::Relaxed),
        None => shared.failed.fetch_add(1, Ordering::Relaxed),
    };
    shared
        .samples
        .lock()
        .expect("samples")
        .push((Route::Socket, took, socket.is_some()));
    let mut n = 0usize;
    loop {
        let think = Duration::from_millis(rand::rng().random_range(THINK_MS));
        let wake = Instant::now() + think;
        if wake >= shared.until {
            break;
        }
        // Read the socket while thinking (events pushed to this user).
        while Instant::now() < wake {
            let Some(ws) = socket.as_mut() else {
                tokio::time::sleep_until(wake.into()).await;
                break;
            };
            match tokio::time::timeout_at(wake.into(), ws.next()).await {
                Err(_) => break,
                Ok(Some(Ok(Message::Text(_)))) => {
                    shared.events.fetch_add(1, Ordering::Relaxed);
                }
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(_)) | None) => {
                    shared.lost.fetch_add(1, Ordering::Relaxed);
                    socket = None;
                }
            }
        }
        let route = Route::pick(rand::rng().random_range(0..100));
        let sent = Instant::now();
        let ok = act(shared, route, account, topic, i * 1_000 + n).await;
        if sent >= shared.measure_from {
            shared
                .samples
                .lock()
                .expect("samples")
                .push((route, sent.elapsed(), ok));
        }
        n += 1;
    }
    if let Some(mut ws) = socket {
        let _ = ws.close(None).await;
    }
}

/// Connects and subscribes `topic`; the socket once `subscribed` came back.
async fn subscribe(base: &str, token: &str, topic: &str) -> Option<Socket> {
    let url = format!(
        "{}/ws?access_token={token}",
        base.replacen("http://", "ws://", 1)
    );
    let attempt = async {
        let (mut ws, _) = connect_async(&url).await.ok()?;
        let channel = format!("topic:{topic}");
        let frame = json!({"type": "subscribe", "channel": channel});
        ws.send(Message::text(frame.to_string())).await.ok()?;
        while let Some(Ok(frame)) = ws.next().await {
            if let Message::Text(text) = frame {
                let frame: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                if frame["type"] == "subscribed" && frame["channel"] == channel.as_str() {
                    return Some(ws);
                }
            }
        }
        None
    };
    tokio::time::timeout(TIMEOUT, attempt).await.ok().flatten()
}

/// One request of `route` as `account`; whether it answered 2xx.
async fn act(shared: &Shared, route: Route, account: usize, topic: &str, n: usize) -> bool {
    let population = &shared.population;
    let url = |path: &str| format!("{}/api/v1{path}", shared.base);
    let request = match route {
        Route::TopicList => shared.http.get(url("/forums/topics?limit=20")),
        Route::TopicRead => shared.http.get(url(&format!("/forums/topics/{topic}"))),
        Route::Reply => shared
            .http
            .post(url(&format!("/forums/topics/{topic}/posts")))
            .json(&json!({"content": format!("رد {n}: we saw the same on line 4.")})),
        Route::Message => {
            let to = &population.user_ids[(account + 1) % population.user_ids.len()];
            shared
                .http
                .post(url("/messages"))
                .json(&json!({"recipient_id": to, "content": format!("رسالة {n}")}))
        }
        Route::Socket => unreachable!("sockets are opened by subscribe"),
    };
    match request
        .bearer_auth(&population.tokens[account])
        .send()
        .await
    {
        Ok(resp) => {
            let ok = resp.status().is_success();
            ok && resp.bytes().await.is_ok()
        }
        Err(_) => false,
    }
}
