//! The socket loop over an in-memory transport: heartbeats, idle timeout,
//! shutdown, slow consumers and close reasons.

use crate::support::{Backend, connect, event, hub, topic};
use bytes::Bytes;
use p2p_realtime::{
    Channel, CloseReason, ConnectionLimits, Heartbeat, Hub, Incoming, ReplayConfig, ServerFrame,
    Transport, TransportClosed, serve,
};
use serde_json::json;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// What the loop wrote to the transport.
#[derive(Debug, PartialEq)]
enum Out {
    Text(ServerFrame),
    Ping,
    Pong(Bytes),
    Close(u16, &'static str),
}

struct Pipe {
    incoming: mpsc::Receiver<Incoming>,
    outgoing: mpsc::Sender<Out>,
}

impl Transport for Pipe {
    async fn recv(&mut self) -> Option<Incoming> {
        self.incoming.recv().await
    }
    async fn send_text(&mut self, frame: Bytes) -> Result<(), TransportClosed> {
        let frame = serde_json::from_slice(&frame).map_err(|_| TransportClosed)?;
        self.outgoing
            .send(Out::Text(frame))
            .await
            .map_err(|_| TransportClosed)
    }
    async fn send_ping(&mut self) -> Result<(), TransportClosed> {
        self.outgoing
            .send(Out::Ping)
            .await
            .map_err(|_| TransportClosed)
    }
    async fn send_pong(&mut self, payload: Bytes) -> Result<(), TransportClosed> {
        self.outgoing
            .send(Out::Pong(payload))
            .await
            .map_err(|_| TransportClosed)
    }
    async fn close(self, code: u16, reason: &'static str) {
        let _ = self.outgoing.send(Out::Close(code, reason)).await;
    }
}

struct Client {
    to_server: mpsc::Sender<Incoming>,
    from_server: mpsc::Receiver<Out>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<CloseReason>,
}

impl Client {
    async fn recv(&mut self) -> Out {
        tokio::time::timeout(Duration::from_secs(5), self.from_server.recv())
            .await
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("nothing from the server within 5 s"))
    }

    /// The next text frame, skipping pings.
    async fn frame(&mut self) -> ServerFrame {
        loop {
            match self.recv().await {
                Out::Text(frame) => return frame,
                Out::Ping => continue,
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    async fn send(&self, incoming: Incoming) {
        self.to_server.send(incoming).await.ok();
    }

    /// Sends a `subscribe` frame for `channel`.
    async fn subscribe(&self, channel: &Channel) {
        self.send(text(
            json!({"type": "subscribe", "channel": channel.to_string()}),
        ))
        .await;
    }

    /// Reads until the close frame, which must carry `code` and `reason`.
    async fn expect_close(&mut self, code: u16, reason: &str) {
        loop {
            if let Out::Close(got_code, got_reason) = self.recv().await {
                assert_eq!((got_code, got_reason), (code, reason));
                return;
            }
        }
    }

    async fn reason(self) -> CloseReason {
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_else(|| panic!("the socket loop did not end"))
    }
}

async fn open(hub: &Hub, heartbeat: Heartbeat, limits: ConnectionLimits, buffer: usize) -> Client {
    open_until(hub, heartbeat, limits, buffer, None).await
}

/// A socket with a slow heartbeat, room for 64 frames and the default
/// limits, after its own channel's `subscribed` frame.
async fn open_subscribed(hub: &Hub) -> Client {
    let mut client = open(
        hub,
        heartbeat(1000, 10_000),
        ConnectionLimits::default(),
        64,
    )
    .await;
    client.frame().await;
    client
}

/// A socket whose access token expires at `expiry`.
async fn open_until(
    hub: &Hub,
    heartbeat: Heartbeat,
    limits: ConnectionLimits,
    buffer: usize,
    expiry: Option<tokio::time::Instant>,
) -> Client {
    let mut conn = connect(hub, limits).await;
    if let Some(at) = expiry {
        conn.expire_at(at);
    }
    let (to_server, incoming) = mpsc::channel(16);
    let (outgoing, from_server) = mpsc::channel(buffer);
    let (shutdown, shutdown_rx) = watch::channel(false);
    let task = tokio::spawn(serve(
        conn,
        Pipe { incoming, outgoing },
        heartbeat,
        shutdown_rx,
    ));
    Client {
        to_server,
        from_server,
        shutdown,
        task,
    }
}

fn heartbeat(interval_ms: u64, idle_ms: u64) -> Heartbeat {
    Heartbeat {
        interval: Duration::from_millis(interval_ms),
        idle_timeout: Duration::from_millis(idle_ms),
        send_timeout: Duration::from_millis(300),
    }
}

fn text(value: serde_json::Value) -> Incoming {
    Incoming::Text(Bytes::from(value.to_string()))
}

#[tokio::test]
async fn answers_frames_and_pings_the_peer() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let mut client = open(&hub, heartbeat(50, 10_000), ConnectionLimits::default(), 64).await;
    assert!(matches!(
        client.frame().await,
        ServerFrame::Subscribed { .. }
    ));
    client.send(text(json!({"type": "ping"}))).await;
    assert_eq!(client.frame().await, ServerFrame::Pong);
    client.send(Incoming::Ping(Bytes::from_static(b"hi"))).await;
    loop {
        match client.recv().await {
            Out::Pong(payload) => {
                assert_eq!(payload, Bytes::from_static(b"hi"));
                break;
            }
            Out::Ping => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
    // The server pings on its own.
    let ping = tokio::time::timeout(Duration::from_secs(2), async {
        loop {
            if client.recv().await == Out::Ping {
                return;
            }
        }
    })
    .await;
    assert!(ping.is_ok(), "no heartbeat ping");
    client.send(Incoming::Binary).await;
    assert!(
        matches!(client.frame().await, ServerFrame::Error { code, .. } if code == "invalid_frame")
    );
    client.send(Incoming::Close).await;
    client.expect_close(1000, "client_closed").await;
    assert_eq!(client.reason().await, CloseReason::ClientClosed);
}

#[tokio::test]
async fn delivers_published_events() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let mut client = open_subscribed(&hub).await;
    let channel = topic();
    client.subscribe(&channel).await;
    assert!(matches!(
        client.frame().await,
        ServerFrame::Subscribed { seq: 0, .. }
    ));
    hub.publish_event(&event(&channel, 1)).await.ok();
    assert!(matches!(
        client.frame().await,
        ServerFrame::Event { seq: 1, .. }
    ));
}

#[tokio::test]
async fn closes_an_idle_socket() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let client = open(&hub, heartbeat(30, 150), ConnectionLimits::default(), 1024).await;
    // Pongs keep the socket alive...
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(40)).await;
        client.send(Incoming::Pong).await;
    }
    assert!(
        !client.task.is_finished(),
        "closed although the peer answered"
    );
    // ...silence does not.
    let mut client = client;
    let started = std::time::Instant::now();
    client.expect_close(1001, "idle_timeout").await;
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(client.reason().await, CloseReason::IdleTimeout);
}

#[tokio::test]
async fn closes_when_the_access_token_expires() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let started = tokio::time::Instant::now();
    let mut client = open_until(
        &hub,
        heartbeat(30, 10_000),
        ConnectionLimits::default(),
        1024,
        Some(started + Duration::from_millis(300)),
    )
    .await;
    // An active peer does not keep it open past the token's lifetime.
    loop {
        client.send(Incoming::Pong).await;
        match client.recv().await {
            Out::Close(code, reason) => {
                assert_eq!((code, reason), (1008, "token_expired"));
                break;
            }
            _ => continue,
        }
    }
    let lived = started.elapsed();
    assert!(
        lived >= Duration::from_millis(300),
        "closed early: {lived:?}"
    );
    assert_eq!(client.reason().await, CloseReason::TokenExpired);
}

#[tokio::test]
async fn closes_on_server_shutdown() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let mut client = open_subscribed(&hub).await;
    client.shutdown.send(true).ok();
    client.expect_close(1001, "server_shutdown").await;
    assert_eq!(client.reason().await, CloseReason::ServerShutdown);
}

#[tokio::test]
async fn closes_a_slow_consumer() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let limits = ConnectionLimits {
        queue_capacity: 4,
        max_subscriptions: 10,
        ..ConnectionLimits::default()
    };
    // The peer reads nothing: its transport takes one frame and then blocks.
    let client = open(&hub, heartbeat(1000, 10_000), limits, 1).await;
    let channel = topic();
    client.subscribe(&channel).await;
    for n in 1..=50 {
        hub.publish_event(&event(&channel, n)).await.ok();
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(client.reason().await, CloseReason::SlowConsumer);
    assert_eq!(hub.local_subscribers(&channel), 0);
}

#[tokio::test]
async fn closes_on_oversized_messages() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let client = open_subscribed(&hub).await;
    client.send(Incoming::TooLarge).await;
    assert_eq!(client.reason().await, CloseReason::MessageTooLarge);
}

#[tokio::test]
async fn the_socket_loop_state_is_small() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let conn = connect(&hub, ConnectionLimits::default()).await;
    let (_to_server, incoming) = mpsc::channel(1);
    let (outgoing, _from_server) = mpsc::channel(1);
    let (_shutdown, shutdown_rx) = watch::channel(false);
    let future = serve(
        conn,
        Pipe { incoming, outgoing },
        Heartbeat::default(),
        shutdown_rx,
    );
    let size = std::mem::size_of_val(&future);
    eprintln!("serve future: {size} bytes");
    assert!(size <= 4096, "the socket loop future is {size} bytes");
}

#[tokio::test]
async fn a_peer_that_reads_nothing_is_closed_even_without_events() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    // The transport takes the `subscribed` frame, then every ping blocks.
    let client = open(&hub, heartbeat(30, 10_000), ConnectionLimits::default(), 1).await;
    assert_eq!(client.reason().await, CloseReason::SlowConsumer);
}

/// The hub's `realtime_subscriptions` figure.
fn subscriptions(hub: &Hub) -> f64 {
    hub.footprint()
        .iter()
        .find(|s| s.gauge == "realtime_subscriptions")
        .map_or(-1.0, |s| s.value)
}

#[tokio::test]
async fn closed_sockets_leave_no_subscription_behind() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let channel = topic();
    let mut clients = Vec::new();
    for _ in 0..3 {
        let mut client = open_subscribed(&hub).await;
        client.subscribe(&channel).await;
        assert!(matches!(
            client.frame().await,
            ServerFrame::Subscribed { .. }
        ));
        clients.push(client);
    }
    assert_eq!(subscriptions(&hub), 6.0, "own channel and the topic, each");
    // One closes cleanly, one loses its connection, one is shut down.
    let mut clients = clients.into_iter();
    let (closing, lost, stopped) = match (clients.next(), clients.next(), clients.next()) {
        (Some(a), Some(b), Some(c)) => (a, b, c),
        _ => panic!("three clients"),
    };
    closing.send(Incoming::Close).await;
    assert_eq!(closing.reason().await, CloseReason::ClientClosed);
    let Client {
        to_server, task, ..
    } = lost;
    drop(to_server);
    assert_eq!(task.await.ok(), Some(CloseReason::ConnectionLost));
    stopped.shutdown.send(true).ok();
    assert_eq!(stopped.reason().await, CloseReason::ServerShutdown);
    assert_eq!(subscriptions(&hub), 0.0);
    assert!(
        hub.footprint()
            .iter()
            .any(|s| s.gauge == "realtime_subscribed_channels" && s.value == 0.0)
    );
}
