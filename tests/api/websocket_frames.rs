//! The WebSocket layer of `GET /ws` over a real socket: control frames,
//! fragmented messages, size and encoding limits, the closing handshake,
//! bursts larger than the server's write buffers arriving whole and in order,
//! and a peer that stops reading being let go.

use crate::realtime::{Socket, close_frame, connect, next_frame, own_channel, send};
use futures_util::{SinkExt, StreamExt};
use p2p_kernel::Event;
use p2p_tests::{TestApp, unique_email};
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::MaybeTlsStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

/// The largest message the server accepts (`MAX_MESSAGE_BYTES` of the server).
const MAX_MESSAGE_BYTES: usize = 64 * 1024;

async fn send_frame(ws: &mut Socket, frame: Frame) {
    ws.send(Message::Frame(frame)).await.expect("frame sent");
}

fn fragment(data: &str, opcode: Data, last: bool) -> Frame {
    Frame::message(data.as_bytes().to_vec(), OpCode::Data(opcode), last)
}

/// The next message that is not a ping, within 10 s.
async fn next_message(ws: &mut Socket) -> Message {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("a message within the timeout")
            .expect("the socket is open")
            .expect("a valid frame");
        if !matches!(msg, Message::Ping(_)) {
            return msg;
        }
    }
}

/// The server's close frame: its code and reason.
async fn close_of(ws: &mut Socket) -> (u16, String) {
    close_frame(ws, Duration::from_secs(10)).await
}

#[tokio::test]
async fn pings_are_answered_and_fragmented_messages_are_joined() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("frames")).await;
    let (mut ws, _) = connect(&app, &me, None).await;

    ws.send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .expect("ping sent");
    match next_message(&mut ws).await {
        Message::Pong(payload) => assert_eq!(&payload[..], b"are you there"),
        other => panic!("expected the pong, got {other:?}"),
    }

    // A subscribe frame in three fragments, a ping between two of them.
    let frame = json!({"type": "subscribe", "channel": "forum"}).to_string();
    let (a, rest) = frame.split_at(7);
    let (b, c) = rest.split_at(10);
    send_frame(&mut ws, fragment(a, Data::Text, false)).await;
    send_frame(&mut ws, Frame::ping(b"mid".to_vec())).await;
    send_frame(&mut ws, fragment(b, Data::Continue, false)).await;
    send_frame(&mut ws, fragment(c, Data::Continue, true)).await;
    match next_message(&mut ws).await {
        Message::Pong(payload) => assert_eq!(&payload[..], b"mid"),
        other => panic!("expected the pong of the interleaved ping, got {other:?}"),
    }
    let subscribed = next_frame(&mut ws).await;
    assert_eq!(subscribed["type"], "subscribed", "{subscribed}");
    assert_eq!(subscribed["channel"], "forum", "{subscribed}");

    // The protocol is text: a binary message gets an error, the socket stays.
    ws.send(Message::Binary(vec![1, 2, 3].into()))
        .await
        .expect("binary sent");
    let error = next_frame(&mut ws).await;
    assert_eq!(error["type"], "error", "{error}");
    assert_eq!(error["code"], "invalid_frame", "{error}");
    send(&mut ws, json!({"type": "ping"})).await;
    assert_eq!(next_frame(&mut ws).await["type"], "pong");

    // The closing handshake: the server answers with a normal closure.
    ws.send(Message::Close(None)).await.expect("close sent");
    let (code, _) = close_of(&mut ws).await;
    assert_eq!(code, 1000);
    app.stop().await;
}

#[tokio::test]
async fn oversized_messages_close_the_socket_with_1009() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("frames")).await;

    // One frame over the limit.
    let (mut ws, _) = connect(&app, &me, None).await;
    let big = format!(
        r#"{{"type":"ping","pad":"{}"}}"#,
        "x".repeat(MAX_MESSAGE_BYTES)
    );
    ws.send(Message::text(big)).await.expect("message sent");
    assert_eq!(close_of(&mut ws).await, (1009, "message_too_large".into()));

    // Fragments each under the limit, together over it.
    let (mut ws, _) = connect(&app, &me, None).await;
    let part = "y".repeat(MAX_MESSAGE_BYTES / 2);
    send_frame(
        &mut ws,
        fragment(r#"{"type":"ping","pad":""#, Data::Text, false),
    )
    .await;
    for _ in 0..3 {
        send_frame(&mut ws, fragment(&part, Data::Continue, false)).await;
    }
    send_frame(&mut ws, fragment(r#""}"#, Data::Continue, true)).await;
    assert_eq!(close_of(&mut ws).await, (1009, "message_too_large".into()));
    app.stop().await;
}

#[tokio::test]
async fn broken_frames_close_the_socket_with_1002() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("frames")).await;

    // A text message that is not UTF-8.
    let (mut ws, _) = connect(&app, &me, None).await;
    let invalid = Frame::message(vec![b'"', 0xff, 0xfe, b'"'], OpCode::Data(Data::Text), true);
    send_frame(&mut ws, invalid).await;
    assert_eq!(close_of(&mut ws).await, (1002, "protocol_error".into()));

    // A continuation with no message to continue.
    let (mut ws, _) = connect(&app, &me, None).await;
    send_frame(&mut ws, fragment("{}", Data::Continue, true)).await;
    assert_eq!(close_of(&mut ws).await, (1002, "protocol_error".into()));

    // A new message inside a fragmented one.
    let (mut ws, _) = connect(&app, &me, None).await;
    send_frame(&mut ws, fragment(r#"{"type":"#, Data::Text, false)).await;
    send_frame(&mut ws, fragment(r#"{"type":"ping"}"#, Data::Text, true)).await;
    assert_eq!(close_of(&mut ws).await, (1002, "protocol_error".into()));
    app.stop().await;
}

#[tokio::test]
async fn a_replay_larger_than_the_write_buffers_arrives_whole_and_in_order() {
    // 200 events of 2 KiB each: 400 KiB for one socket at once (a replay
    // twice the default bound, allowed here).
    const EVENTS: u64 = 200;
    let app = TestApp::spawn_with(|raw| raw.ws.max_replay_events = EVENTS).await;
    let me = app.signup(&unique_email("frames")).await;
    let (ws, head) = connect(&app, &me, None).await;
    drop(ws);

    let channel = own_channel(&me);
    let hub = app.state().realtime.hub();
    let padding = "z".repeat(2048);
    for n in 1..=EVENTS {
        let event = Event::new(
            channel.clone(),
            "burst.test",
            json!({"n": n, "padding": padding}),
        );
        hub.publish_event(&event).await.expect("event published");
    }

    let (mut ws, replayed_head) = connect(&app, &me, Some(head)).await;
    assert_eq!(replayed_head, head + EVENTS);
    for n in 1..=EVENTS {
        let frame = next_frame(&mut ws).await;
        assert_eq!(frame["type"], "event", "{frame}");
        assert_eq!(frame["seq"], head + n, "{frame}");
        assert_eq!(frame["data"]["n"], n, "{frame}");
        assert_eq!(frame["data"]["padding"].as_str().map(str::len), Some(2048));
    }
    // Live events follow the replay.
    hub.publish_event(&Event::new(channel.clone(), "burst.test", json!({"n": 0})))
        .await
        .expect("event published");
    let live = next_frame(&mut ws).await;
    assert_eq!(live["seq"], head + EVENTS + 1, "{live}");
    app.stop().await;
}

#[tokio::test]
async fn a_subscriber_that_never_reads_again_is_dropped_once_its_data_stays_unacknowledged() {
    const UNACKED_TIMEOUT_SECS: u64 = 2;
    let app = TestApp::spawn_with(|raw| raw.unacked_timeout_secs = UNACKED_TIMEOUT_SECS).await;
    let me = app.signup(&unique_email("frames")).await;

    // A client with a small receive buffer that reads its `subscribed`
    // frame, then never reads again (its socket stays open).
    let address = app.base.trim_start_matches("http://").to_owned();
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .set_recv_buffer_size(4096)
        .expect("a receive buffer size");
    let stream = socket
        .connect(address.parse().expect("the server's address"))
        .await
        .expect("connected");
    let url = format!("ws://{address}/ws?access_token={}", me.access);
    let (mut ws, _) = tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream))
        .await
        .expect("websocket handshake");
    let subscribed = next_frame(&mut ws).await;
    assert_eq!(subscribed["type"], "subscribed", "{subscribed}");
    let channel = own_channel(&me);
    let hub = app.state().realtime.hub();
    let subscribers = || hub.local_subscribers(&channel.parse().expect("a channel"));
    assert_eq!(subscribers(), 1);

    // 4 MiB of events: far more than the peer's window and the server's buffers.
    let padding = "w".repeat(16 * 1024);
    for n in 0..256 {
        let event = Event::new(
            channel.clone(),
            "flood.test",
            json!({"n": n, "padding": padding}),
        );
        hub.publish_event(&event).await.expect("event published");
    }

    // The kernel gives up on the unacknowledged data (the zero window is
    // probed in vain) and the server lets the connection go.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while subscribers() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the connection of a peer that stopped reading is still open 30 s later"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(ws);
    app.stop().await;
}
