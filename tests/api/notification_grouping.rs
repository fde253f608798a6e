//! Replies in one topic are one notification while it is unread and younger
//! than the grouping window (`P2P_NOTIFICATION_GROUP_SECS`, 10 minutes): in
//! the list, in the unread count and live (`notification.created`, then
//! `notification.updated` of the same notification with its count).

use crate::messages::{next_event, signup_named};
use crate::notifications::{create_topic, notifications, read_title, reply};
use crate::realtime::connect;
use p2p_tests::{Session, TestApp};
use serde_json::{Value, json};

async fn unread_count(app: &TestApp, user: &Session) -> Value {
    app.settled().await;
    let resp = app
        .get("/api/v1/notifications/unread-count", user.token())
        .await;
    resp.assert_status(200);
    resp.json["unread_count"].clone()
}

fn replies(list: &[Value]) -> Vec<&Value> {
    list.iter().filter(|n| n["kind"] == "reply").collect()
}

#[tokio::test]
async fn replies_in_a_topic_are_one_notification_until_it_is_read() {
    let app = TestApp::spawn().await;
    let alice = signup_named(&app, "Alice", "Pumps").await;
    let bob = signup_named(&app, "Bob", "Valves").await;
    let carol = signup_named(&app, "Carol", "Gears").await;
    let title = "تآكل المضخّات الهيدروليكية";
    let topic = create_topic(&app, &alice, title, "ما الحل؟").await;
    let topic_id = topic["topic"]["id"].as_str().unwrap();
    let (mut ws, _) = connect(&app, &alice, None).await;

    // Ten replies by two people: one notification, announced once and then
    // updated with each new count.
    for i in 0..10 {
        let who = if i % 2 == 0 { &bob } else { &carol };
        reply(&app, who, topic_id, None, &format!("رد رقم {i}")).await;
    }
    let created = next_event(&mut ws, "notification.created").await;
    assert_eq!(created["data"]["kind"], "reply", "{created}");
    assert_eq!(created["data"]["count"], 1, "{created}");
    assert_eq!(
        created["data"]["title"],
        format!("\u{2068}Bob Valves\u{2069} replied in \"\u{2068}{title}\u{2069}\"")
    );
    let id = created["data"]["id"].clone();
    let mut last = created;
    for n in 2..=10 {
        last = next_event(&mut ws, "notification.updated").await;
        assert_eq!(last["data"]["id"], id, "{last}");
        assert_eq!(last["data"]["count"], n, "{last}");
    }
    let expected_title = format!("10 new replies in \"\u{2068}{title}\u{2069}\"");
    assert_eq!(last["data"]["title"], expected_title.as_str(), "{last}");
    assert_eq!(last["data"]["actor_id"], carol.user_id.as_str());
    assert_eq!(last["data"]["read"], false);

    let list = notifications(&app, &alice).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["count"], 10);
    assert_eq!(list[0]["title"], expected_title.as_str());
    assert_eq!(list[0]["data"]["topic_id"], topic_id);
    assert_eq!(unread_count(&app, &alice).await, 1);

    // Read, the next reply is a new notification.
    let read = app
        .post(
            "/api/v1/notifications/read",
            alice.token(),
            &json!({"ids": [id]}),
        )
        .await;
    assert_eq!(read.json, json!({"marked": 1, "unread_count": 0}));
    reply(&app, &bob, topic_id, None, "one more").await;
    let fresh = next_event(&mut ws, "notification.created").await;
    assert_ne!(fresh["data"]["id"], id, "{fresh}");
    assert_eq!(fresh["data"]["count"], 1, "{fresh}");
    let list = notifications(&app, &alice).await;
    let counts: Vec<&Value> = list.iter().map(|n| &n["count"]).collect();
    assert_eq!(counts, [&json!(1), &json!(10)], "{list:?}");
    assert_eq!(unread_count(&app, &alice).await, 1);
    drop(ws);
    app.stop().await;
}

#[tokio::test]
async fn replies_in_different_topics_are_separate_notifications() {
    let app = TestApp::spawn().await;
    let alice = signup_named(&app, "Alice", "Pumps").await;
    let bob = signup_named(&app, "Bob", "Valves").await;
    let pumps = create_topic(&app, &alice, "Pump seals", "What lasts?").await;
    let valves = create_topic(&app, &alice, "Valve sizing", "Rules?").await;
    let pumps = pumps["topic"]["id"].as_str().unwrap();
    let valves = valves["topic"]["id"].as_str().unwrap();
    for topic in [pumps, valves, pumps, valves, pumps] {
        reply(&app, &bob, topic, None, "An answer").await;
    }
    // A mention is its own notification, even in a grouped topic.
    reply(&app, &bob, pumps, None, "@alice.pumps see above").await;

    let list = notifications(&app, &alice).await;
    let grouped = replies(&list);
    assert_eq!(grouped.len(), 2, "{list:?}");
    let by_topic = |id: &str| {
        grouped
            .iter()
            .find(|n| n["data"]["topic_id"] == id)
            .map(|n| {
                (
                    n["count"].clone(),
                    json!(read_title(n["title"].as_str().unwrap())),
                )
            })
    };
    assert_eq!(
        by_topic(pumps),
        Some((json!(3), json!("3 new replies in \"Pump seals\"")))
    );
    assert_eq!(
        by_topic(valves),
        Some((json!(2), json!("2 new replies in \"Valve sizing\"")))
    );
    assert_eq!(list.iter().filter(|n| n["kind"] == "mention").count(), 1);
    assert_eq!(unread_count(&app, &alice).await, 3);
    app.stop().await;
}

#[tokio::test]
async fn a_replayed_notification_carries_its_count_now() {
    let app = TestApp::spawn().await;
    let alice = signup_named(&app, "Alice", "Pumps").await;
    let bob = signup_named(&app, "Bob", "Valves").await;
    let topic = create_topic(&app, &alice, "Pump seals", "What lasts?").await;
    let topic_id = topic["topic"]["id"].as_str().unwrap();
    let (ws, head) = connect(&app, &alice, None).await;
    drop(ws);
    for _ in 0..3 {
        reply(&app, &bob, topic_id, None, "An answer").await;
    }
    app.settled().await;
    // Offline meanwhile: the replay's created and updated events all show
    // the notification as it is now.
    let (mut ws, _) = connect(&app, &alice, Some(head)).await;
    let created = next_event(&mut ws, "notification.created").await;
    assert_eq!(created["data"]["count"], 3, "{created}");
    for _ in 0..2 {
        let updated = next_event(&mut ws, "notification.updated").await;
        assert_eq!(updated["data"]["count"], 3, "{updated}");
        assert_eq!(updated["data"]["id"], created["data"]["id"]);
    }
    drop(ws);
    app.stop().await;
}
