//! The socket loop, written against a [`Transport`] so that it runs the same
//! over the server's WebSocket connections (`apps/server/src/http/websocket`:
//! actix-http's frame codec driven by the response body; actix-ws with the
//! server's feature `ws-actix-ws`) and over an in-memory pipe in tests: it feeds
//! client frames to the [`Connection`], writes its frames out, pings the peer,
//! and closes with a reason on idle, slow consumer, revoked session, expired
//! access token or server shutdown.

use crate::connection::{Connection, Next};
use bytes::Bytes;
use std::future::poll_fn;
use std::task::Poll;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::{Instant, MissedTickBehavior};

/// What a transport received from the peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incoming {
    /// A complete text message.
    Text(Bytes),
    /// A complete binary message (not part of the protocol).
    Binary,
    /// A WebSocket ping with its payload.
    Ping(Bytes),
    /// A WebSocket pong.
    Pong,
    /// The peer started the closing handshake.
    Close,
    /// A message exceeded the size limit.
    TooLarge,
    /// The peer broke the protocol.
    ProtocolError,
}

/// The transport failed or is closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransportClosed;

/// A message-oriented, bidirectional socket.
///
/// Its futures need not be `Send`: the loop runs on the task that owns the socket.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// The next message from the peer; `None` once the connection is gone.
    /// Must be cancel-safe.
    async fn recv(&mut self) -> Option<Incoming>;
    /// Sends a text message (the frame is valid UTF-8 JSON).
    async fn send_text(&mut self, frame: Bytes) -> Result<(), TransportClosed>;
    /// Sends a WebSocket ping.
    async fn send_ping(&mut self) -> Result<(), TransportClosed>;
    /// Answers a WebSocket ping.
    async fn send_pong(&mut self, payload: Bytes) -> Result<(), TransportClosed>;
    /// Sends a close frame with `code` and `reason` and ends the connection.
    async fn close(self, code: u16, reason: &'static str);
}

/// Liveness settings of a socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heartbeat {
    /// The server pings this often.
    pub interval: Duration,
    /// The socket is closed after this long without any message from the peer
    /// (checked at each ping, so within one `interval` after the deadline).
    pub idle_timeout: Duration,
    /// A frame the transport cannot take within this long marks the peer a slow consumer.
    pub send_timeout: Duration,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            send_timeout: Duration::from_secs(10),
        }
    }
}

/// Why a socket ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// The client closed the socket.
    ClientClosed,
    /// The connection dropped without a closing handshake.
    ConnectionLost,
    /// The client did not read its events fast enough.
    SlowConsumer,
    /// No message (not even a pong) from the client within the idle timeout.
    IdleTimeout,
    /// The server is shutting down.
    ServerShutdown,
    /// The client sent a message over the size limit.
    MessageTooLarge,
    /// The client broke the WebSocket protocol.
    ProtocolError,
    /// The session the socket was opened with was revoked (logout, password
    /// reset, deactivation...).
    SessionRevoked,
    /// The access token the socket was opened with expired: reconnect with a
    /// fresh one (and `since`, so that nothing is missed).
    TokenExpired,
}

impl CloseReason {
    /// Every reason, in declaration order.
    pub const ALL: &'static [CloseReason] = &[
        CloseReason::ClientClosed,
        CloseReason::ConnectionLost,
        CloseReason::SlowConsumer,
        CloseReason::IdleTimeout,
        CloseReason::ServerShutdown,
        CloseReason::MessageTooLarge,
        CloseReason::ProtocolError,
        CloseReason::SessionRevoked,
        CloseReason::TokenExpired,
    ];

    /// The reason as sent in the close frame and used as a metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            CloseReason::ClientClosed => "client_closed",
            CloseReason::ConnectionLost => "connection_lost",
            CloseReason::SlowConsumer => "slow_consumer",
            CloseReason::IdleTimeout => "idle_timeout",
            CloseReason::ServerShutdown => "server_shutdown",
            CloseReason::MessageTooLarge => "message_too_large",
            CloseReason::ProtocolError => "protocol_error",
            CloseReason::SessionRevoked => "session_revoked",
            CloseReason::TokenExpired => "token_expired",
        }
    }

    /// The WebSocket close code (RFC 6455 section 7.4.1).
    pub fn code(self) -> u16 {
        match self {
            CloseReason::ClientClosed => 1000,
            CloseReason::ConnectionLost
            | CloseReason::IdleTimeout
            | CloseReason::ServerShutdown => 1001,
            CloseReason::SlowConsumer | CloseReason::SessionRevoked | CloseReason::TokenExpired => {
                1008
            }
            CloseReason::MessageTooLarge => 1009,
            CloseReason::ProtocolError => 1002,
        }
    }
}

/// Counts the open sockets in the `websocket_connections` gauge.
struct OpenSocket;

impl OpenSocket {
    fn new() -> Self {
        metrics::gauge!("websocket_connections").increment(1.0);
        OpenSocket
    }
}

impl Drop for OpenSocket {
    fn drop(&mut self) {
        metrics::gauge!("websocket_connections").decrement(1.0);
    }
}

/// Runs a socket until it ends, then closes it (with a close frame carrying
/// the reason, unless the connection is already gone) and returns why.
pub async fn serve<T: Transport>(
    mut conn: Connection,
    mut transport: T,
    heartbeat: Heartbeat,
    mut shutdown: watch::Receiver<bool>,
) -> CloseReason {
    let _open = OpenSocket::new();
    let reason = run(&mut conn, &mut transport, heartbeat, &mut shutdown).await;
    // An overflowed queue was counted by the hub when it overflowed; a peer
    // that stopped taking frames (send timeout) is counted here.
    if reason == CloseReason::SlowConsumer && !conn.is_slow_consumer() {
        metrics::counter!("websocket_slow_consumers_total").increment(1);
    }
    drop(conn);
    metrics::counter!("websocket_disconnects_total", "reason" => reason.as_str()).increment(1);
    if reason != CloseReason::ConnectionLost {
        // A peer that does not read may never take the close frame either.
        let _ = tokio::time::timeout(
            heartbeat.send_timeout,
            transport.close(reason.code(), reason.as_str()),
        )
        .await;
    }
    reason
}

async fn run<T: Transport>(
    conn: &mut Connection,
    transport: &mut T,
    heartbeat: Heartbeat,
    shutdown: &mut watch::Receiver<bool>,
) -> CloseReason {
    match run_until_closed(conn, transport, heartbeat, shutdown).await {
        Ok(never) => match never {},
        Err(reason) => reason,
    }
}

/// Waits for a send: a transport that cannot take it within the send timeout
/// belongs to a peer that does not read (a slow consumer). A send taken at
/// once (the usual case) arms no timer.
async fn within(
    heartbeat: Heartbeat,
    send: impl Future<Output = Result<(), TransportClosed>>,
) -> Result<(), CloseReason> {
    let mut send = std::pin::pin!(send);
    let sent = match poll_fn(|cx| Poll::Ready(send.as_mut().poll(cx))).await {
        Poll::Ready(sent) => Ok(sent),
        Poll::Pending => tokio::time::timeout(heartbeat.send_timeout, send).await,
    };
    match sent {
        Ok(Ok(())) => Ok(()),
        Ok(Err(TransportClosed)) => Err(CloseReason::ConnectionLost),
        Err(_) => Err(CloseReason::SlowConsumer),
    }
}

/// Resolves once the server is shutting down (at once if it already is).
async fn server_stopping(shutdown: &mut watch::Receiver<bool>) {
    while !*shutdown.borrow_and_update() {
        if shutdown.changed().await.is_err() {
            return;
        }
    }
}

/// Loops until the socket must close; the error is why.
///
/// The waits that span iterations (shutdown, token expiry, heartbeat) are
/// created once: each wake-up of a socket (one per event it is sent) only
/// polls them, instead of registering a fresh timer and watcher every time.
async fn run_until_closed<T: Transport>(
    conn: &mut Connection,
    transport: &mut T,
    heartbeat: Heartbeat,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<std::convert::Infallible, CloseReason> {
    let mut ticker =
        tokio::time::interval_at(Instant::now() + heartbeat.interval, heartbeat.interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_seen = Instant::now();
    let expiry = conn.expires_at();
    let token_expiry = tokio::time::sleep_until(expiry.unwrap_or_else(Instant::now));
    let stopping = server_stopping(shutdown);
    tokio::pin!(token_expiry, stopping);
    loop {
        // Unbiased: a busy direction cannot starve the other, nor the heartbeat.
        tokio::select! {
            () = &mut stopping => return Err(CloseReason::ServerShutdown),
            incoming = transport.recv() => {
                let Some(incoming) = incoming else {
                    return Err(CloseReason::ConnectionLost);
                };
                last_seen = Instant::now();
                match incoming {
                    Incoming::Text(text) => conn.handle_frame(&text).await,
                    Incoming::Binary => conn.handle_frame(b"").await,
                    Incoming::Ping(payload) => {
                        within(heartbeat, transport.send_pong(payload)).await?;
                    }
                    Incoming::Pong => {}
                    Incoming::Close => return Err(CloseReason::ClientClosed),
                    Incoming::TooLarge => return Err(CloseReason::MessageTooLarge),
                    Incoming::ProtocolError => return Err(CloseReason::ProtocolError),
                }
            }
            next = conn.next_frame() => match next {
                Next::SlowConsumer => return Err(CloseReason::SlowConsumer),
                Next::SessionRevoked => return Err(CloseReason::SessionRevoked),
                Next::Frame(frame) => within(heartbeat, transport.send_text(frame)).await?,
            },
            () = &mut token_expiry, if expiry.is_some() => {
                return Err(CloseReason::TokenExpired);
            }
            _ = ticker.tick() => {
                if last_seen.elapsed() >= heartbeat.idle_timeout {
                    return Err(CloseReason::IdleTimeout);
                }
                within(heartbeat, transport.send_ping()).await?;
            }
        }
    }
}
