//! Private messages: send-to-delivery latency between two connected users
//! (`POST /api/v1/messages` by one → `message.created` read on the other's
//! socket), first alone (the baseline), then under a background load of
//! 1,000 other connected users who exchange messages among themselves at a
//! steady rate. Reported: p50/p99 of both and their ratio.
//!
//! The send limit is raised for the run (it is a spam guard, not what is
//! measured). Users are created in process through the identity service (no
//! per-IP signup limit applies there); both ends of every socket live in this
//! process, so the open-file limit is raised as for the realtime bench.

use crate::sockets::{Socket, close_all, connect_user, ensure_open_files};
use futures_util::StreamExt;
use futures_util::stream::{self, SelectAll};
use p2p_identity::{ClientInfo, SignupRequest};
use p2p_kernel::Actor;
use p2p_messaging::NewMessage;
use p2p_tests::stats::{Latencies, ms};
use p2p_tests::{PASSWORD, Session, TestApp, unique_email};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;

/// Connected users of the background load.
const BACKGROUND_USERS: usize = 1_000;
/// Messages per second the background users send among themselves.
const BACKGROUND_RATE: u64 = 50;
/// Measured messages per phase (after the warm-up).
const SAMPLES: usize = 200;
const WARMUP: usize = 10;
/// Pause between two measured sends.
const GAP: Duration = Duration::from_millis(20);
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
const CONCURRENCY: usize = 32;
const READER_TASKS: usize = 4;

pub async fn run() {
    let limit = ensure_open_files(2 * (BACKGROUND_USERS as u64 + 2) + 500);
    let background_users = BACKGROUND_USERS.min((limit.saturating_sub(500) / 2) as usize);
    let app = TestApp::spawn_with(|raw| raw.message_send_limit_per_minute = 100_000).await;
    let alice = create_user(&app, "alice").await;
    let bob = create_user(&app, "bob").await;

    let baseline = measure(&app, &alice, &bob).await;

    let started = Instant::now();
    let crowd: Vec<Session> = stream::iter(0..background_users)
        .map(|i| {
            let app = &app;
            async move { create_user(app, &format!("crowd{i}")).await }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let sockets: Vec<Socket> = stream::iter(crowd.iter())
        .map(|s| connect_user(&app, s))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let setup = started.elapsed();
    let (stop_tx, stop_rx) = watch::channel(false);
    let drained = Arc::new(AtomicUsize::new(0));
    let mut readers = Vec::new();
    let mut shares: Vec<Vec<Socket>> = (0..READER_TASKS).map(|_| Vec::new()).collect();
    for (i, ws) in sockets.into_iter().enumerate() {
        shares[i % READER_TASKS].push(ws);
    }
    for share in shares {
        readers.push(tokio::spawn(drain(share, drained.clone(), stop_rx.clone())));
    }
    let sent_background = Arc::new(AtomicUsize::new(0));
    let chatter = tokio::spawn(chatter(
        app.state().services.clone(),
        actors(&app, &crowd).await,
        sent_background.clone(),
        stop_rx.clone(),
    ));

    let loaded = measure(&app, &alice, &bob).await;

    let _ = stop_tx.send(true);
    let _ = chatter.await;
    let mut open = Vec::new();
    for reader in readers {
        open.extend(reader.await.unwrap_or_default());
    }
    let still_open = open.len();
    close_all(open).await;

    println!(
        "messaging: send-to-delivery latency between two connected users \
         (POST /api/v1/messages → message.created on the recipient's socket), \
         {SAMPLES} messages per phase after {WARMUP} warm-up:"
    );
    println!(
        "  alone (baseline):                {}",
        baseline.delivery.summary()
    );
    println!(
        "  with {background_users} connected users sending {BACKGROUND_RATE} msg/s: {}",
        loaded.delivery.summary()
    );
    println!(
        "  POST returned, alone:            {}",
        baseline.post.summary()
    );
    println!(
        "  POST returned, under load:       {}",
        loaded.post.summary()
    );
    let ratio =
        |p: f64| ms(loaded.delivery.percentile(p)) / ms(baseline.delivery.percentile(p)).max(0.001);
    println!(
        "  loaded / baseline: p50 ×{:.2}, p99 ×{:.2}; undelivered: {} alone, {} under load",
        ratio(50.0),
        ratio(99.0),
        baseline.lost,
        loaded.lost
    );
    println!(
        "  background: {background_users} users created and connected in {:.1} s; \
         {} messages sent, {} frames read; {still_open}/{background_users} sockets open at the end",
        setup.as_secs_f64(),
        sent_background.load(Ordering::Relaxed),
        drained.load(Ordering::Relaxed)
    );
    app.stop().await;
}

struct Phase {
    delivery: Latencies,
    post: Latencies,
    lost: usize,
}

/// Alice sends, Bob's socket receives: one message at a time.
async fn measure(app: &TestApp, alice: &Session, bob: &Session) -> Phase {
    let ws = connect_user(app, bob).await;
    let (tx, mut arrivals) = mpsc::unbounded_channel::<(String, Instant)>();
    let (stop_tx, stop_rx) = watch::channel(false);
    let reader = tokio::spawn(watch_deliveries(ws, tx, stop_rx));
    let mut early: HashMap<String, Instant> = HashMap::new();
    let (mut delivery, mut post, mut lost) = (Vec::new(), Vec::new(), 0);
    for i in 0..WARMUP + SAMPLES {
        let t0 = Instant::now();
        let resp = app
            .post(
                "/api/v1/messages",
                alice.token(),
                &json!({"recipient_id": bob.user_id, "content": format!("Latency probe {i}")}),
            )
            .await;
        let returned = t0.elapsed();
        assert_eq!(resp.status, 201, "{}", resp.text);
        let id = resp.json["id"].as_str().unwrap_or_default().to_owned();
        let arrived = match early.remove(&id) {
            Some(at) => Some(at),
            None => loop {
                match tokio::time::timeout(DELIVERY_TIMEOUT, arrivals.recv()).await {
                    Ok(Some((got, at))) if got == id => break Some(at),
                    Ok(Some((got, at))) => {
                        early.insert(got, at);
                    }
                    _ => break None,
                }
            },
        };
        if i >= WARMUP {
            match arrived {
                Some(at) => {
                    delivery.push(at - t0);
                    post.push(returned);
                }
                None => lost += 1,
            }
        }
        tokio::time::sleep(GAP).await;
    }
    let _ = stop_tx.send(true);
    if let Ok(ws) = reader.await {
        close_all(vec![ws]).await;
    }
    Phase {
        delivery: Latencies::new(delivery),
        post: Latencies::new(post),
        lost,
    }
}

/// Timestamps each `message.created` the socket reads.
async fn watch_deliveries(
    mut ws: Socket,
    tx: mpsc::UnboundedSender<(String, Instant)>,
    mut stop: watch::Receiver<bool>,
) -> Socket {
    loop {
        tokio::select! {
            _ = stop.changed() => return ws,
            msg = ws.next() => match msg {
                Some(Ok(Message::Text(text))) => {
                    let at = Instant::now();
                    let frame: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    if frame["event"] == "message.created"
                        && let Some(id) = frame["data"]["id"].as_str()
                    {
                        let _ = tx.send((id.to_owned(), at));
                    }
                }
                Some(Ok(_)) => {}
                _ => return ws,
            },
        }
    }
}

/// Reads (and discards) what the background sockets receive.
async fn drain(
    sockets: Vec<Socket>,
    count: Arc<AtomicUsize>,
    mut stop: watch::Receiver<bool>,
) -> Vec<Socket> {
    let mut all: SelectAll<Socket> = sockets.into_iter().collect();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            msg = all.next(), if !all.is_empty() => match msg {
                Some(Ok(Message::Text(_))) => {
                    count.fetch_add(1, Ordering::Relaxed);
                }
                Some(_) => {}
                None => break,
            },
        }
    }
    all.into_iter().collect()
}

/// Background users message each other (in process, through the service)
/// at [`BACKGROUND_RATE`] per second.
async fn chatter(
    services: p2p_server::services::Services,
    actors: Vec<Actor>,
    sent: Arc<AtomicUsize>,
    mut stop: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / BACKGROUND_RATE));
    let mut i = 0usize;
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = tick.tick() => {}
        }
        let from = &actors[i % actors.len()];
        let to = &actors[(i * 7 + 1) % actors.len()];
        i += 1;
        if from.user_id == to.user_id {
            continue;
        }
        let messaging = services.messaging.clone();
        let (from, to) = (from.clone(), to.user_id);
        let sent = sent.clone();
        tokio::spawn(async move {
            let msg = NewMessage {
                recipient_id: to,
                content: "Background chatter".into(),
                attachments: Vec::new(),
            };
            if messaging.send(&from, msg).await.is_ok() {
                sent.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
}

async fn actors(app: &TestApp, sessions: &[Session]) -> Vec<Actor> {
    let mut out = Vec::with_capacity(sessions.len());
    for s in sessions {
        out.push(
            app.state()
                .realtime
                .authenticate(&s.access)
                .await
                .expect("a bench user authenticates")
                .0,
        );
    }
    out
}

/// A user with their own organization, created in process.
async fn create_user(app: &TestApp, name: &str) -> Session {
    let email = unique_email(name);
    let auth = app
        .state()
        .services
        .identity
        .signup(
            SignupRequest {
                email: email.clone(),
                password: PASSWORD.into(),
                first_name: "Bench".into(),
                last_name: name.into(),
                organization_name: format!("{name} works"),
            },
            ClientInfo::default(),
        )
        .await
        .expect("bench user created");
    Session::from_auth(
        &email,
        serde_json::to_value(auth).expect("auth response as JSON"),
    )
}
