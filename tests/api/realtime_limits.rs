//! What one user can make the socket layer do is bounded: open sockets per
//! user (`P2P_WS_MAX_SOCKETS_PER_USER`, 429 `too_many_sockets` beyond it),
//! `subscribe` frames per socket and minute (`P2P_WS_SUBSCRIBES_PER_MINUTE`,
//! an `error` frame `rate_limited` beyond it) and events per replay
//! (`P2P_WS_MAX_REPLAY_EVENTS`, `resync_required` beyond it).

use crate::realtime::{Socket, connect, next_frame, own_channel, send, set_job_title};
use p2p_tests::{Session, TestApp, unique_email};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Error as WsError;

/// The defaults of the three limits.
const SOCKETS_PER_USER: usize = 20;
const SUBSCRIBES_PER_MINUTE: usize = 120;
const REPLAY_EVENTS: u64 = 100;

fn socket_url(app: &TestApp, session: &Session) -> String {
    format!(
        "{}/ws?access_token={}",
        app.base.replacen("http://", "ws://", 1),
        session.access
    )
}

/// Opens one more socket of `session`: `Ok` when upgraded, else the refusal's
/// status, `Retry-After` and problem document.
async fn open(app: &TestApp, session: &Session) -> Result<Socket, (u16, Option<String>, Value)> {
    match connect_async(socket_url(app, session)).await {
        Ok((ws, _)) => Ok(ws),
        Err(WsError::Http(resp)) => {
            let retry_after = resp
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = resp.body().as_deref().unwrap_or_default();
            let problem = serde_json::from_slice(body).unwrap_or(Value::Null);
            Err((resp.status().as_u16(), retry_after, problem))
        }
        Err(e) => panic!("unexpected handshake error: {e}"),
    }
}

/// Sends `count` subscribe frames at once and sorts the answers:
/// (`subscribed` frames, `rate_limited` errors).
async fn subscribe_burst(ws: &mut Socket, count: usize) -> (usize, usize) {
    for _ in 0..count {
        send(
            ws,
            json!({"type": "subscribe", "channel": "forum", "since": 0}),
        )
        .await;
    }
    let (mut subscribed, mut limited) = (0, 0);
    for _ in 0..count {
        let frame = next_frame(ws).await;
        match frame["type"].as_str() {
            Some("subscribed") => subscribed += 1,
            Some("error") if frame["code"] == "rate_limited" => {
                assert_eq!(frame["channel"], "forum", "{frame}");
                limited += 1;
            }
            _ => panic!("unexpected frame {frame}"),
        }
    }
    (subscribed, limited)
}

#[tokio::test]
async fn one_user_may_hold_a_bounded_number_of_sockets() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("many")).await;
    let mut sockets = Vec::new();
    for n in 0..SOCKETS_PER_USER {
        match open(&app, &me).await {
            Ok(ws) => sockets.push(ws),
            Err(refused) => panic!("socket {n} refused: {refused:?}"),
        }
    }
    let Err((status, retry_after, problem)) = open(&app, &me).await else {
        panic!("socket {} should have been refused", SOCKETS_PER_USER + 1);
    };
    assert_eq!(status, 429, "{problem}");
    assert_eq!(problem["code"], "too_many_sockets", "{problem}");
    assert!(retry_after.is_some(), "429 carries Retry-After");

    // Another user is not affected.
    let other = app.signup(&unique_email("other")).await;
    connect(&app, &other, None).await;

    // Closing one frees its place.
    let mut closed = sockets.pop().expect("a socket");
    closed.close(None).await.expect("closed");
    drop(closed);
    let mut reopened = None;
    for _ in 0..50 {
        if let Ok(ws) = open(&app, &me).await {
            reopened = Some(ws);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(reopened.is_some(), "a closed socket gives its place back");
    app.stop().await;
}

#[tokio::test]
async fn subscribes_are_rate_limited_per_socket() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("burst")).await;
    let (mut ws, _) = connect(&app, &me, None).await;

    let extra = 30;
    let (subscribed, limited) = subscribe_burst(&mut ws, SUBSCRIBES_PER_MINUTE + extra).await;
    assert_eq!((subscribed, limited), (SUBSCRIBES_PER_MINUTE, extra));

    // The socket stays usable, and another socket has its own allowance.
    send(&mut ws, json!({"type": "ping"})).await;
    assert_eq!(next_frame(&mut ws).await, json!({"type": "pong"}));
    let (mut second, _) = connect(&app, &me, None).await;
    assert_eq!(subscribe_burst(&mut second, 5).await, (5, 0));
    app.stop().await;
}

#[tokio::test]
async fn a_replay_longer_than_the_bound_asks_for_a_resync() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("replay")).await;
    let channel = own_channel(&me);
    for n in 0..=REPLAY_EVENTS {
        set_job_title(&app, &me, &format!("title {n}")).await;
    }
    // REPLAY_EVENTS + 1 events after 0: too many for one replay.
    let (mut ws, head) = connect(&app, &me, Some(0)).await;
    assert_eq!(head, REPLAY_EVENTS + 1);
    let frame = next_frame(&mut ws).await;
    assert_eq!(
        frame,
        json!({"type": "resync_required", "channel": channel, "from_seq": head + 1})
    );
    // Live events follow on.
    set_job_title(&app, &me, "live").await;
    let live = next_frame(&mut ws).await;
    assert_eq!(live["seq"], head + 1, "{live}");

    // Exactly the bound is replayed.
    let since = head + 1 - REPLAY_EVENTS;
    let (mut ws, head) = connect(&app, &me, Some(since)).await;
    for seq in since + 1..=head {
        let frame = next_frame(&mut ws).await;
        assert_eq!(frame["seq"], seq, "{frame}");
    }
    app.stop().await;
}

#[tokio::test]
async fn the_limits_follow_the_configuration() {
    let app = TestApp::spawn_with(|raw| {
        raw.ws.max_sockets_per_user = 2;
        raw.ws.subscribes_per_minute = 3;
        raw.ws.max_replay_events = 2;
    })
    .await;
    let me = app.signup(&unique_email("configured")).await;
    for n in 0..3 {
        set_job_title(&app, &me, &format!("title {n}")).await;
    }
    // 3 events after 0: more than 2 for one replay; 2 after 1 are fine.
    let (mut ws, head) = connect(&app, &me, Some(0)).await;
    assert_eq!(next_frame(&mut ws).await["type"], "resync_required");
    let (mut second, _) = connect(&app, &me, Some(head - 2)).await;
    assert_eq!(next_frame(&mut second).await["seq"], head - 1);
    assert_eq!(next_frame(&mut second).await["seq"], head);
    // A third socket is refused.
    let Err((status, _, problem)) = open(&app, &me).await else {
        panic!("a third socket should have been refused");
    };
    assert_eq!(
        (status, problem["code"].as_str()),
        (429, Some("too_many_sockets"))
    );
    assert_eq!(subscribe_burst(&mut ws, 4).await, (3, 1));
    app.stop().await;
}
