//! Replay on subscribe (`since`) never brings back what was deleted or
//! overwritten since: each replayed event carries its object's current state,
//! a deleted object only its id, and every sequence number is still delivered
//! once, in order. Live events keep their full payload.

use crate::realtime::{Socket, connect, next_frame, send};
use p2p_tests::{Session, TestApp, unique_email};
use serde_json::{Value, json};
use tokio_tungstenite::connect_async;

/// Subscribes to `channel` from `since` and returns the `subscribed` head and
/// the replayed events, asserted gap-free: `since + 1 ..= head`, in order.
pub(crate) async fn replay(ws: &mut Socket, channel: &str, since: u64) -> (u64, Vec<Value>) {
    send(
        ws,
        json!({"type": "subscribe", "channel": channel, "since": since}),
    )
    .await;
    let subscribed = next_frame(ws).await;
    assert_eq!(subscribed["type"], "subscribed", "{subscribed}");
    let head = subscribed["seq"].as_u64().expect("subscribed.seq");
    let events = replayed(ws, channel, since, head).await;
    (head, events)
}

/// The events `since + 1 ..= head` of `channel`, each once and in order.
async fn replayed(ws: &mut Socket, channel: &str, since: u64, head: u64) -> Vec<Value> {
    let mut events = Vec::new();
    for seq in since + 1..=head {
        let frame = next_frame(ws).await;
        assert_eq!(frame["type"], "event", "{frame}");
        assert_eq!(frame["channel"], channel, "{frame}");
        assert_eq!(frame["seq"], seq, "replay must be gap-free: {frame}");
        events.push(frame);
    }
    events
}

/// Fails when any replayed frame carries `text`.
fn assert_absent(events: &[Value], text: &str) {
    for frame in events {
        assert!(
            !frame.to_string().contains(text),
            "replay resurrected {text:?}: {frame}"
        );
    }
}

pub(crate) async fn create_topic(
    app: &TestApp,
    author: &Session,
    title: &str,
    content: &str,
) -> String {
    let created = app
        .post(
            "/api/v1/forums/topics",
            author.token(),
            &json!({"title": title, "content": content}),
        )
        .await;
    created.assert_status(201);
    created.json["topic"]["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn reply(app: &TestApp, author: &Session, topic: &str, content: &str) -> String {
    let created = app
        .post(
            &format!("/api/v1/forums/topics/{topic}/posts"),
            author.token(),
            &json!({"content": content}),
        )
        .await;
    created.assert_status(201);
    created.json["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn topic_replay_carries_current_posts_and_only_ids_of_deleted_ones() {
    let app = TestApp::spawn().await;
    let author = app.signup(&unique_email("author")).await;
    // Another organization: forum content is platform-wide.
    let reader = app.signup(&unique_email("reader")).await;

    let topic = create_topic(&app, &author, "Original topic title", "Opening post").await;
    let doomed = reply(&app, &author, &topic, "Secret reply that gets deleted").await;
    let edited = reply(&app, &author, &topic, "Draft wording before the edit").await;
    app.patch(
        &format!("/api/v1/forums/posts/{edited}"),
        author.token(),
        &json!({"content": "Final wording after the edit"}),
    )
    .await
    .assert_status(200);
    app.delete(&format!("/api/v1/forums/posts/{doomed}"), author.token())
        .await
        .assert_status(204);
    app.patch(
        &format!("/api/v1/forums/topics/{topic}"),
        author.token(),
        &json!({"title": "Renamed topic title"}),
    )
    .await
    .assert_status(200);

    let (mut ws, _) = connect(&app, &reader, None).await;
    let channel = format!("topic:{topic}");
    let (head, events) = replay(&mut ws, &channel, 0).await;
    // post.created ×3, post.updated, post.deleted, topic.updated
    assert_eq!(head, 6, "{events:?}");
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "post.created",
            "post.created",
            "post.created",
            "post.updated",
            "post.deleted",
            "topic.updated"
        ]
    );
    assert_absent(&events, "Secret reply");
    assert_absent(&events, "Draft wording");
    assert_absent(&events, "Original topic title");
    assert_eq!(
        events[0]["data"]["content"], "Opening post",
        "{}",
        events[0]
    );
    for i in [1, 4] {
        assert_eq!(events[i]["data"], json!({"id": doomed}), "{}", events[i]);
    }
    for i in [2, 3] {
        assert_eq!(events[i]["data"]["id"], edited.as_str(), "{}", events[i]);
        let content = &events[i]["data"]["content"];
        assert_eq!(content, "Final wording after the edit", "{}", events[i]);
    }
    assert_eq!(events[5]["data"]["title"], "Renamed topic title");

    // Live events after the replay are whole, and numbered on.
    reply(&app, &author, &topic, "A live reply").await;
    let live = next_frame(&mut ws).await;
    assert_eq!(live["seq"], head + 1, "{live}");
    assert_eq!(live["data"]["content"], "A live reply", "{live}");

    // The same on the legacy socket bound to the topic.
    let path = format!(
        "{}/ws/forum/{topic}?since=0&access_token={}",
        app.base.replacen("http://", "ws://", 1),
        reader.access
    );
    let (mut legacy, _) = connect_async(path).await.expect("legacy handshake");
    let subscribed = next_frame(&mut legacy).await;
    assert_eq!(subscribed["seq"], head + 1, "{subscribed}");
    let events = replayed(&mut legacy, &channel, 0, head + 1).await;
    assert_absent(&events, "Secret reply");
    assert_absent(&events, "Draft wording");
    assert_eq!(events[1]["data"], json!({"id": doomed}));
    app.stop().await;
}

#[tokio::test]
async fn forum_replay_shows_deleted_topics_as_ids_and_others_as_they_are_now() {
    let app = TestApp::spawn().await;
    let author = app.signup(&unique_email("author")).await;
    let reader = app.signup(&unique_email("reader")).await;

    let doomed = create_topic(&app, &author, "Doomed topic title", "Soon gone").await;
    let kept = create_topic(&app, &author, "First title of the kept one", "Stays").await;
    app.delete(&format!("/api/v1/forums/topics/{doomed}"), author.token())
        .await
        .assert_status(204);
    app.patch(
        &format!("/api/v1/forums/topics/{kept}"),
        author.token(),
        &json!({"title": "Current title of the kept one"}),
    )
    .await
    .assert_status(200);

    let (mut ws, _) = connect(&app, &reader, None).await;
    let (head, events) = replay(&mut ws, "forum", 0).await;
    assert_eq!(head, 2, "{events:?}");
    assert_absent(&events, "Doomed");
    assert_absent(&events, "First title");
    assert_eq!(events[0]["event"], "topic.created");
    assert_eq!(events[0]["data"], json!({"id": doomed}), "{}", events[0]);
    assert_eq!(events[1]["data"]["id"], kept.as_str());
    assert_eq!(events[1]["data"]["title"], "Current title of the kept one");

    // The deleted topic's own channel is gone with it.
    send(
        &mut ws,
        json!({"type": "subscribe", "channel": format!("topic:{doomed}"), "since": 0}),
    )
    .await;
    let refused = next_frame(&mut ws).await;
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["code"], "not_found", "{refused}");
    app.stop().await;
}
