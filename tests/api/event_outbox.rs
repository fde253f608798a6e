//! What follows a reply (exact topic counts, reply and mention
//! notifications, the search index) goes through the event outbox: committed
//! with the reply, applied afterwards, so a server that stops between the
//! commit and the effects loses none of them, and an event handled twice
//! (a crash after its effects, before it left the outbox) notifies nobody
//! twice.

use crate::messages::signup_named;
use crate::notifications::{create_topic, notifications, reply};
use p2p_kernel::outbox::events::{EventOutbox, record};
use p2p_tests::TestApp;
use serde_json::{Value, json};

fn of_kind(list: &[Value], kind: &str) -> usize {
    list.iter().filter(|n| n["kind"] == kind).count()
}

async fn topic_detail(app: &TestApp, token: Option<&str>, topic: &str) -> Value {
    let resp = app
        .get(&format!("/api/v1/forums/topics/{topic}"), token)
        .await;
    resp.assert_status(200);
    resp.json["topic"].clone()
}

#[tokio::test]
async fn effects_of_a_reply_survive_a_restart_between_commit_and_effects() {
    // This instance takes replies but never works through the outbox: what
    // a server killed right after the commit leaves behind.
    let app = TestApp::spawn_with(|c| c.run_event_outbox = false).await;
    let alice = signup_named(&app, "Alice", "Pumps").await;
    let bob = signup_named(&app, "Bob", "Valves").await;
    let carol = signup_named(&app, "Carol", "Gears").await;
    let topic = create_topic(&app, &alice, "Seal failures on pumps", "What lasts?").await;
    let topic_id = topic["topic"]["id"].as_str().unwrap().to_owned();
    let posted = reply(&app, &bob, &topic_id, None, "@carol.gears PTFE lasts").await;
    let post_id = posted["id"].as_str().unwrap().to_owned();
    assert_eq!(
        posted["content"], "@carol.gears PTFE lasts",
        "the post as stored"
    );
    assert_eq!(posted["mentioned_user_ids"], json!([carol.user_id]));

    // The author reads the raised counts at once; nothing else happened.
    let before = topic_detail(&app, bob.token(), &topic_id).await;
    assert_eq!(before["post_count"], 2);
    assert_eq!(before["reply_count"], 1);
    let db = app.state().backends.db.clone();
    assert_eq!(EventOutbox::pending(&db).await.unwrap(), 1);
    let list = app
        .get("/api/v1/notifications?limit=100", alice.token())
        .await;
    assert_eq!(of_kind(list.json["items"].as_array().unwrap(), "reply"), 0);

    // Restarted with the worker: everything arrives, once.
    let app = app.restart(|c| c.run_event_outbox = true).await;
    app.settled().await;
    let after = topic_detail(&app, bob.token(), &topic_id).await;
    assert_eq!(after["post_count"], 2);
    assert_eq!(after["participant_count"], 2, "recounted exactly");
    assert_eq!(of_kind(&notifications(&app, &alice).await, "reply"), 1);
    assert_eq!(of_kind(&notifications(&app, &carol).await, "mention"), 1);
    let found = app.get("/api/v1/search?q=ptfe", bob.token()).await;
    found.assert_status(200);
    let hits: Vec<&str> = found.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["id"].as_str())
        .collect();
    assert!(hits.contains(&post_id.as_str()), "indexed: {}", found.text);

    // The same event again (as after a crash once its effects were done):
    // nobody is notified twice, the counts stay exact.
    let db = app.state().backends.db.clone();
    let payload = json!({"post_id": post_id, "topic_id": topic_id});
    record(&db, &format!("topic:{topic_id}"), "post.created", &payload)
        .await
        .unwrap();
    app.settled().await;
    assert_eq!(of_kind(&notifications(&app, &alice).await, "reply"), 1);
    assert_eq!(of_kind(&notifications(&app, &carol).await, "mention"), 1);
    let again = topic_detail(&app, bob.token(), &topic_id).await;
    assert_eq!(again["post_count"], 2);
    assert_eq!(again["participant_count"], 2);
    app.stop().await;
}
