//! WebSocket client helpers of the benchmarks (the realtime section has its
//! own, leaner client): open `/ws` as a user, close many sockets, and the
//! open-file limit.

use futures_util::StreamExt;
use futures_util::stream;
use p2p_tests::{Session, TestApp};
use serde_json::Value;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async_with_config};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Bound on any single expected frame.
const FRAME_TIMEOUT: Duration = Duration::from_secs(15);

/// A client socket with small buffers (benchmarks open thousands of them).
pub async fn open(url: &str) -> Socket {
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let (ws, response) = connect_async_with_config(url, Some(config), true)
        .await
        .expect("websocket handshake");
    assert_eq!(response.status().as_u16(), 101);
    ws
}

/// The `/ws` URL of `app` (without a token).
pub fn ws_url(app: &TestApp) -> String {
    format!("{}/ws", app.base.replacen("http://", "ws://", 1))
}

/// `/ws` at `url` with `token`, after its own channel's `subscribed` frame.
pub async fn connect(url: &str, token: &str) -> Socket {
    let mut ws = open(&format!("{url}?access_token={token}")).await;
    let frame = next_frame(&mut ws).await;
    assert_eq!(frame["type"], "subscribed", "{frame}");
    ws
}

/// `/ws` of `app` as `session`, after its own channel's `subscribed` frame.
pub async fn connect_user(app: &TestApp, session: &Session) -> Socket {
    connect(&ws_url(app), &session.access).await
}

pub async fn next_frame(ws: &mut Socket) -> Value {
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
pub async fn close_all(sockets: Vec<Socket>) {
    stream::iter(sockets)
        .for_each_concurrent(256, |mut ws| async move {
            let _ = tokio::time::timeout(Duration::from_secs(2), ws.close(None)).await;
        })
        .await;
}

/// Raises this process's open-file limit to `needed` when it is lower
/// (`prlimit`, which needs the privilege to raise the hard limit); returns
/// the limit in force.
pub fn ensure_open_files(needed: u64) -> u64 {
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
        "open-file limit {current} → {now} (needed {needed}){}",
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
