//! The real-time socket (`GET /ws`): handshake authentication, the caller's
//! own channel, channel authorization, replay on reconnect, logout and
//! fan-out between instances.

use futures_util::{SinkExt, StreamExt};
use p2p_tests::{Session, TestApp, unique_email};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

pub(crate) type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a frame the test expects may take to arrive.
const FRAME_TIMEOUT: Duration = Duration::from_secs(10);

fn ws_url(app: &TestApp, path_and_query: &str) -> String {
    format!(
        "{}{path_and_query}",
        app.base.replacen("http://", "ws://", 1)
    )
}

/// Opens `/ws` as `session` (optionally replaying from `since`) and returns
/// the socket with the head `seq` of the caller's auto-subscribed channel.
pub(crate) async fn connect(app: &TestApp, session: &Session, since: Option<u64>) -> (Socket, u64) {
    let mut path = format!("/ws?access_token={}", session.access);
    if let Some(since) = since {
        path.push_str(&format!("&since={since}"));
    }
    let (mut ws, response) = connect_async(ws_url(app, &path))
        .await
        .expect("websocket handshake");
    assert_eq!(response.status().as_u16(), 101);
    let subscribed = next_frame(&mut ws).await;
    assert_eq!(subscribed["type"], "subscribed", "{subscribed}");
    assert_eq!(subscribed["channel"], own_channel(session), "{subscribed}");
    let head = subscribed["seq"].as_u64().expect("subscribed.seq");
    (ws, head)
}

/// The handshake's refusal: its status and the problem document it carried.
async fn refused(request: impl IntoClientRequest + Unpin) -> (u16, Option<String>, Value) {
    match connect_async(request).await {
        Ok(_) => panic!("the handshake should have been refused"),
        Err(WsError::Http(resp)) => {
            let content_type = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = resp.body().as_deref().unwrap_or_default();
            let json = serde_json::from_slice(body).unwrap_or(Value::Null);
            (resp.status().as_u16(), content_type, json)
        }
        Err(e) => panic!("unexpected handshake error: {e}"),
    }
}

pub(crate) fn own_channel(session: &Session) -> String {
    format!("user:{}", session.user_id)
}

pub(crate) async fn send(ws: &mut Socket, frame: Value) {
    ws.send(Message::text(frame.to_string()))
        .await
        .expect("frame sent");
}

/// The next JSON text frame (control frames skipped), within [`FRAME_TIMEOUT`].
pub(crate) async fn next_frame(ws: &mut Socket) -> Value {
    loop {
        let msg = tokio::time::timeout(FRAME_TIMEOUT, ws.next())
            .await
            .expect("a frame within the timeout")
            .expect("the socket is open")
            .expect("a valid frame");
        match msg {
            Message::Text(text) => return serde_json::from_str(&text).expect("a JSON frame"),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

/// The next frame, asserted to be `event` on `channel` with this `seq` and name.
async fn expect_event(ws: &mut Socket, channel: &str, seq: u64, event: &str) -> Value {
    let frame = next_frame(ws).await;
    assert_eq!(frame["type"], "event", "{frame}");
    assert_eq!(frame["channel"], channel, "{frame}");
    assert_eq!(frame["seq"], seq, "{frame}");
    assert_eq!(frame["event"], event, "{frame}");
    frame
}

pub(crate) async fn set_job_title(app: &TestApp, session: &Session, title: &str) {
    app.patch(
        "/api/v1/users/me",
        session.token(),
        &json!({"job_title": title}),
    )
    .await
    .assert_status(200);
}

#[tokio::test]
async fn handshake_requires_a_valid_access_token() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("ws")).await;

    for path in ["/ws", "/ws?access_token=", "/ws?access_token=not-a-token"] {
        let (status, content_type, problem) = refused(ws_url(&app, path)).await;
        assert_eq!(status, 401, "{path}");
        assert_eq!(
            content_type.as_deref(),
            Some("application/problem+json"),
            "{path}"
        );
        assert_eq!(problem["code"], "unauthenticated", "{path}: {problem}");
    }
    // A Bearer header with a bad token is refused the same way.
    let mut request = ws_url(&app, "/ws").into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", "Bearer nope".parse().unwrap());
    assert_eq!(refused(request).await.0, 401);

    // A valid token in the query or in a Bearer header connects.
    let (ws, _) = connect(&app, &me, None).await;
    drop(ws);
    let mut request = ws_url(&app, "/ws").into_client_request().unwrap();
    let bearer = format!("Bearer {}", me.access);
    request
        .headers_mut()
        .insert("authorization", bearer.parse().unwrap());
    let (mut ws, _) = connect_async(request).await.expect("bearer handshake");
    assert_eq!(next_frame(&mut ws).await["type"], "subscribed");
    app.stop().await;
}

#[tokio::test]
async fn own_channel_is_subscribed_and_receives_profile_updates() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("ws")).await;
    let (mut ws, head) = connect(&app, &me, None).await;

    set_job_title(&app, &me, "Plant manager").await;
    let frame = expect_event(&mut ws, &own_channel(&me), head + 1, "user.updated").await;
    assert_eq!(frame["data"]["user_id"], me.user_id.as_str(), "{frame}");
    assert_eq!(frame["data"]["job_title"], "Plant manager", "{frame}");

    send(&mut ws, json!({"type": "ping"})).await;
    assert_eq!(next_frame(&mut ws).await, json!({"type": "pong"}));
    app.stop().await;
}

#[tokio::test]
async fn subscribing_is_refused_for_other_users_and_invalid_channels() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("ws")).await;
    let other = app.signup(&unique_email("other")).await;
    let (mut ws, _) = connect(&app, &me, None).await;

    let theirs = own_channel(&other);
    send(&mut ws, json!({"type": "subscribe", "channel": theirs})).await;
    let frame = next_frame(&mut ws).await;
    assert_eq!(frame["type"], "error", "{frame}");
    assert_eq!(frame["code"], "forbidden", "{frame}");

    send(&mut ws, json!({"type": "subscribe", "channel": "lobby"})).await;
    let frame = next_frame(&mut ws).await;
    assert_eq!(frame["type"], "error", "{frame}");
    assert_eq!(frame["code"], "invalid_channel", "{frame}");

    send(&mut ws, json!({"type": "shout"})).await;
    let frame = next_frame(&mut ws).await;
    assert_eq!(frame["type"], "error", "{frame}");
    assert_eq!(frame["code"], "invalid_frame", "{frame}");

    // The socket stays usable, and nothing of the other user's leaks to it.
    set_job_title(&app, &other, "Secret").await;
    set_job_title(&app, &me, "Visible").await;
    let frame = next_frame(&mut ws).await;
    assert_eq!(frame["event"], "user.updated", "{frame}");
    assert_eq!(frame["channel"], own_channel(&me), "{frame}");
    assert_eq!(frame["data"]["job_title"], "Visible", "{frame}");
    app.stop().await;
}

#[tokio::test]
async fn reconnecting_with_since_replays_exactly_the_missed_events() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("ws")).await;
    let channel = own_channel(&me);
    let (mut ws, head) = connect(&app, &me, None).await;

    for i in 1..=3 {
        set_job_title(&app, &me, &format!("title {i}")).await;
        let frame = expect_event(&mut ws, &channel, head + i, "user.updated").await;
        assert_eq!(frame["data"]["job_title"], format!("title {i}"));
    }
    let last_seen = head + 3;
    ws.close(None).await.expect("closed");
    drop(ws);

    set_job_title(&app, &me, "title 4").await;
    set_job_title(&app, &me, "title 5").await;

    let (mut ws, head) = connect(&app, &me, Some(last_seen)).await;
    assert_eq!(head, last_seen + 2, "subscribed.seq is the channel head");
    for i in 1..=2 {
        let frame = expect_event(&mut ws, &channel, last_seen + i, "user.updated").await;
        assert_eq!(frame["data"]["job_title"], format!("title {}", 3 + i));
    }
    // Then live events, with no duplicate of the replayed ones in between.
    set_job_title(&app, &me, "title 6").await;
    let frame = expect_event(&mut ws, &channel, last_seen + 3, "user.updated").await;
    assert_eq!(frame["data"]["job_title"], "title 6");
    app.stop().await;
}

/// Waits (skipping pings and pongs) for the server's close frame and returns
/// its code and reason.
pub(crate) async fn close_frame(ws: &mut Socket, within: Duration) -> (u16, String) {
    let close = loop {
        let msg = tokio::time::timeout(within, ws.next())
            .await
            .expect("a close frame within the timeout")
            .expect("a close frame before the end of the stream")
            .expect("a valid frame");
        match msg {
            Message::Close(close) => break close.expect("a close code and reason"),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("expected the close frame, got {other:?}"),
        }
    };
    (u16::from(close.code), close.reason.to_string())
}

/// Waits for the server's close frame: code 1008 with `reason`.
async fn assert_closed(ws: &mut Socket, within: Duration, reason: &str) {
    assert_eq!(close_frame(ws, within).await, (1008, reason.to_owned()));
}

#[tokio::test]
async fn logout_closes_the_socket_with_session_revoked() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("ws")).await;
    let (mut ws, head) = connect(&app, &me, None).await;

    app.logout(&me).await.assert_status(204);

    expect_event(&mut ws, &own_channel(&me), head + 1, "session.revoked").await;
    assert_closed(&mut ws, FRAME_TIMEOUT, "session_revoked").await;

    // The revoked token no longer opens a socket.
    let path = format!("/ws?access_token={}", me.access);
    assert_eq!(refused(ws_url(&app, &path)).await.0, 401);
    app.stop().await;
}

#[tokio::test]
async fn a_socket_ends_when_its_access_token_expires() {
    // The shortest lifetime the configuration allows.
    let app = TestApp::spawn_with(|raw| raw.access_token_ttl_secs = 30).await;
    let me = app.signup(&unique_email("ws-expiry")).await;
    let (mut ws, _) = connect(&app, &me, None).await;
    assert_closed(&mut ws, Duration::from_secs(60), "token_expired").await;
    // The expired token no longer opens a socket; a refreshed one does.
    let path = format!("/ws?access_token={}", me.access);
    assert_eq!(refused(ws_url(&app, &path)).await.0, 401);
    let refreshed = app.refresh(&me.refresh).await;
    refreshed.assert_status(200);
    let fresh = Session {
        access: refreshed.json["access_token"]
            .as_str()
            .expect("a new access token")
            .to_owned(),
        ..me.clone()
    };
    connect(&app, &fresh, None).await;
    app.stop().await;
}

#[tokio::test]
async fn events_reach_sockets_on_another_instance() {
    let Some((app, other)) = TestApp::spawn_pair().await else {
        return;
    };
    let me = app.signup(&unique_email("multi")).await;
    let (mut ws, head) = connect(&other, &me, None).await;

    set_job_title(&app, &me, "Fan-out").await;
    let frame = expect_event(&mut ws, &own_channel(&me), head + 1, "user.updated").await;
    assert_eq!(frame["data"]["job_title"], "Fan-out", "{frame}");
    drop(ws);
    other.stop().await;
    app.stop().await;
}

/// Subscribes to `channel` and returns its head `seq`.
async fn subscribe(ws: &mut Socket, channel: &str) -> u64 {
    send(ws, json!({"type": "subscribe", "channel": channel})).await;
    let frame = next_frame(ws).await;
    assert_eq!(frame["type"], "subscribed", "{frame}");
    assert_eq!(frame["channel"], channel, "{frame}");
    frame["seq"].as_u64().expect("subscribed.seq")
}

#[tokio::test]
async fn forum_events_reach_topic_and_forum_subscribers_in_order() {
    let app = TestApp::spawn().await;
    let author = app.signup(&unique_email("author")).await;
    let reader = app.signup(&unique_email("reader")).await;
    let (mut ws, _) = connect(&app, &reader, None).await;
    let forum_head = subscribe(&mut ws, "forum").await;

    let created = app
        .post(
            "/api/v1/forums/topics",
            author.token(),
            &json!({"title": "Live topic for the socket", "content": "First post"}),
        )
        .await;
    created.assert_status(201);
    let topic_id = created.json["topic"]["id"].as_str().unwrap().to_owned();
    let announced = expect_event(&mut ws, "forum", forum_head + 1, "topic.created").await;
    assert_eq!(announced["data"]["id"], topic_id.as_str(), "{announced}");

    let channel = format!("topic:{topic_id}");
    let head = subscribe(&mut ws, &channel).await;
    for (i, text) in ["first reply", "second reply", "third reply"]
        .iter()
        .enumerate()
    {
        app.post(
            &format!("/api/v1/forums/topics/{topic_id}/posts"),
            author.token(),
            &json!({"content": text}),
        )
        .await
        .assert_status(201);
        let event = expect_event(&mut ws, &channel, head + 1 + i as u64, "post.created").await;
        assert_eq!(event["data"]["content"], *text, "{event}");
    }
    // A topic that does not exist cannot be subscribed to.
    send(
        &mut ws,
        json!({"type": "subscribe", "channel": format!("topic:{}", uuid::Uuid::new_v4())}),
    )
    .await;
    let refused = next_frame(&mut ws).await;
    assert_eq!(refused["type"], "error", "{refused}");
    let _ = ws.close(None).await;
    app.stop().await;
}

/// A topic's readers arriving: only the first `subscribe` asks the database
/// whether the topic exists; the instance remembers the answer for the others
/// (`p2p_realtime::KnownTopics`). A topic that does not exist is asked about
/// each time, and refused each time.
#[tokio::test]
async fn only_the_first_subscriber_of_a_topic_asks_whether_it_exists() {
    let app = TestApp::spawn().await;
    let author = app.signup(&unique_email("author")).await;
    let created = app
        .post(
            "/api/v1/forums/topics",
            author.token(),
            &json!({"title": "A topic many people read", "content": "First post"}),
        )
        .await;
    created.assert_status(201);
    let channel = format!("topic:{}", created.json["topic"]["id"].as_str().unwrap());
    let missing = format!("topic:{}", uuid::Uuid::new_v4());
    let trips = app.state().backends.round_trips.clone();
    let (mut found, mut refused, mut sockets) = (vec![], vec![], vec![]);
    for reader in 0..3 {
        let session = app.signup(&unique_email(&format!("reader{reader}"))).await;
        let (mut ws, _) = connect(&app, &session, None).await;
        let before = trips.requests().sql;
        subscribe(&mut ws, &channel).await;
        found.push(trips.requests().sql - before);
        let before = trips.requests().sql;
        send(&mut ws, json!({"type": "subscribe", "channel": missing})).await;
        let frame = next_frame(&mut ws).await;
        assert_eq!(frame["code"], "not_found", "{frame}");
        refused.push(trips.requests().sql - before);
        sockets.push(ws);
    }
    assert_eq!(
        found,
        [1, 0, 0],
        "SQL statements of each reader's subscribe"
    );
    assert_eq!(
        refused,
        [1, 1, 1],
        "a missing topic is asked about each time"
    );
    for mut ws in sockets {
        let _ = ws.close(None).await;
    }
    app.stop().await;
}
