//! SIGTERM over real sockets: the `p2p-server` binary in its own process
//! (built before the tests by `cargo xtask test`). During the drain readiness
//! answers 503 `draining` while requests are still served; then WebSockets
//! close with 1001 `server_shutdown`, a request whose body was still arriving
//! when the listener stopped completes and is kept, and the process exits 0.

use crate::realtime::{close_frame, next_frame};
use p2p_tests::load::Workload;
use p2p_tests::process::{ServerProcess, sibling_server_binary};
use p2p_tests::{Backend, Isolation};
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::connect_async;

const DRAIN: Duration = Duration::from_secs(2);

#[tokio::test]
async fn sigterm_drains_then_closes_sockets_and_finishes_requests_in_flight() {
    let backend = Backend::from_env();
    let mut isolation = Isolation::new();
    let mut raw = isolation.config(backend).await;
    raw.shutdown_drain_secs = DRAIN.as_secs();
    raw.shutdown_timeout_secs = 10;
    std::fs::create_dir_all(&isolation.data_dir).expect("data dir");
    let log = isolation.data_dir.with_extension("log");
    let mut server = ServerProcess::spawn(&sibling_server_binary(), raw.clone(), &log).await;
    let workload = Workload::prepare(&server.base, 1, 0).await;
    let token = workload.tokens()[0].clone();
    let ws_base = server.base.replacen("http://", "ws://", 1);
    let mut sockets = Vec::new();
    for _ in 0..3 {
        let (mut ws, _) = connect_async(format!("{ws_base}/ws?access_token={token}"))
            .await
            .expect("websocket handshake");
        assert_eq!(next_frame(&mut ws).await["type"], "subscribed");
        sockets.push(ws);
    }
    // A topic whose body arrives in two parts, SIGTERM in between.
    let body =
        json!({"title": "سجل الإيقاف الآمن", "content": "Sent while the server stops."}).to_string();
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    let address = server.base.trim_start_matches("http://").to_owned();
    let mut slow = TcpStream::connect(&address).await.expect("connect");
    let head = format!(
        "POST /api/v1/forums/topics HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    slow.write_all(head.as_bytes()).await.expect("head");
    slow.write_all(first).await.expect("first half");

    server.terminate();
    let client = reqwest::Client::new();
    let ready_url = format!("{}/health/ready", server.base);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let ready = client.get(&ready_url).send().await.expect("readiness");
        if ready.status() == 503 {
            let body: serde_json::Value = ready.json().await.expect("readiness body");
            assert_eq!(body["status"], "draining", "{body}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never draining");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let served = client
        .get(format!("{}/api/v1/users/me", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("a request during the drain");
    assert_eq!(served.status(), 200, "requests are served while draining");

    // After the drain: the sockets close, the listener stops...
    for ws in &mut sockets {
        assert_eq!(
            close_frame(ws, DRAIN + Duration::from_secs(10)).await,
            (1001, "server_shutdown".to_owned())
        );
    }
    // ...and the request still receiving its body completes.
    slow.write_all(rest).await.expect("second half");
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(15), slow.read_to_string(&mut answer))
        .await
        .expect("the in-flight request's answer")
        .expect("read");
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let status = server.exit_status(Duration::from_secs(20)).await;
    assert!(status.success(), "{status}");

    // What was acknowledged is there after a restart on the same data.
    let topic_id = answer
        .split("\"topic\":{\"id\":\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the created topic's id")
        .to_owned();
    let again = ServerProcess::spawn(&sibling_server_binary(), raw, &log).await;
    let read = client
        .get(format!("{}/api/v1/forums/topics/{topic_id}", again.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("read after restart");
    assert_eq!(read.status(), 200);
    drop(again);
    isolation.cleanup().await;
}
