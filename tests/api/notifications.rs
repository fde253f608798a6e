//! Notifications: one for each kind the platform creates, live delivery,
//! read state, and email digests that honour each user's preferences.

use crate::messages::{next_event, send_message, signup_named};
use crate::realtime::connect;
use p2p_tests::{Session, TestApp, unique_email};
use serde_json::{Value, json};

pub(crate) async fn notifications(app: &TestApp, user: &Session) -> Vec<Value> {
    app.settled().await;
    let resp = app
        .get("/api/v1/notifications?limit=100", user.token())
        .await;
    resp.assert_status(200);
    resp.json["items"].as_array().cloned().unwrap_or_default()
}

/// A title as read, without the Unicode isolates (U+2068 … U+2069) around
/// the names and titles people wrote.
pub(crate) fn read_title(title: &str) -> String {
    title.replace(['\u{2068}', '\u{2069}'], "")
}

fn of_kind<'a>(list: &'a [Value], kind: &str) -> Vec<&'a Value> {
    list.iter().filter(|n| n["kind"] == kind).collect()
}

pub(crate) async fn create_topic(
    app: &TestApp,
    author: &Session,
    title: &str,
    content: &str,
) -> Value {
    let resp = app
        .post(
            "/api/v1/forums/topics",
            author.token(),
            &json!({"title": title, "content": content}),
        )
        .await;
    resp.assert_status(201);
    resp.json
}

pub(crate) async fn reply(
    app: &TestApp,
    author: &Session,
    topic: &str,
    parent: Option<&str>,
    text: &str,
) -> Value {
    let resp = app
        .post(
            &format!("/api/v1/forums/topics/{topic}/posts"),
            author.token(),
            &json!({"content": text, "parent_id": parent}),
        )
        .await;
    resp.assert_status(201);
    resp.json
}

#[tokio::test]
async fn every_kind_of_event_notifies_the_right_people() {
    let app = TestApp::spawn().await;
    let alice = signup_named(&app, "Alice", "Pumps").await;
    let bob = signup_named(&app, "Bob", "Valves").await;
    let carol = signup_named(&app, "Carol", "Gears").await;
    let (mut bob_ws, _) = connect(&app, &bob, None).await;

    // A message.
    send_message(&app, &alice, &bob, "Hi Bob").await;
    let frame = next_event(&mut bob_ws, "notification.created").await;
    assert_eq!(frame["data"]["kind"], "message", "{frame}");
    assert_eq!(frame["data"]["actor_id"], alice.user_id.as_str());
    assert_eq!(frame["data"]["read"], false);

    // Replies: Bob answers Alice's topic, Carol answers Bob's post.
    let topic = create_topic(&app, &alice, "Seal failures on pumps", "What lasts?").await;
    let topic_id = topic["topic"]["id"].as_str().unwrap();
    let bobs = reply(&app, &bob, topic_id, None, "Try PTFE seals").await;
    let bobs_id = bobs["id"].as_str().unwrap();
    reply(&app, &carol, topic_id, Some(bobs_id), "Agreed with Bob").await;

    // A mention of Carol by Bob (she is mentioned, so no second `reply` for her).
    reply(&app, &bob, topic_id, None, "@carol.gears what do you use?").await;

    // Best answer: Alice accepts Bob's post.
    app.post(
        &format!("/api/v1/forums/posts/{bobs_id}/best-answer"),
        alice.token(),
        &json!({}),
    )
    .await
    .assert_status(200);

    // An invitation accepted: Alice invited Dan.
    let dan_email = unique_email("dan");
    let dan = app.invite_and_join(&alice, &dan_email, "member").await;

    let alice_list = notifications(&app, &alice).await;
    let replies = of_kind(&alice_list, "reply");
    // Bob, Carol and Bob again in her topic: one notification of three
    // (`notification_grouping`), about the latest.
    assert_eq!(replies.len(), 1, "{alice_list:?}");
    assert_eq!(replies[0]["count"], 3, "{:?}", replies[0]);
    assert_eq!(
        replies[0]["title"],
        "3 new replies in \"\u{2068}Seal failures on pumps\u{2069}\""
    );
    assert_eq!(replies[0]["actor_id"], bob.user_id.as_str());
    assert_eq!(replies[0]["data"]["topic_id"], topic_id);
    let invitations = of_kind(&alice_list, "invitation");
    assert_eq!(invitations.len(), 1, "{alice_list:?}");
    assert_eq!(invitations[0]["actor_id"], dan.user_id.as_str());

    let bob_list = notifications(&app, &bob).await;
    assert_eq!(of_kind(&bob_list, "message").len(), 1, "{bob_list:?}");
    let bob_replies = of_kind(&bob_list, "reply");
    assert_eq!(
        bob_replies.len(),
        1,
        "Carol answered his post: {bob_list:?}"
    );
    assert_eq!(bob_replies[0]["actor_id"], carol.user_id.as_str());
    let best = of_kind(&bob_list, "best_answer");
    assert_eq!(best.len(), 1, "{bob_list:?}");
    assert_eq!(best[0]["data"]["post_id"], bobs_id);
    // Nobody is notified of their own posts.
    assert!(
        bob_list
            .iter()
            .all(|n| n["actor_id"] != bob.user_id.as_str())
    );

    let carol_list = notifications(&app, &carol).await;
    let mentions = of_kind(&carol_list, "mention");
    assert_eq!(mentions.len(), 1, "{carol_list:?}");
    assert_eq!(mentions[0]["actor_id"], bob.user_id.as_str());
    assert_eq!(of_kind(&carol_list, "reply").len(), 0, "{carol_list:?}");

    // Newest first.
    let ids: Vec<&str> = bob_list.iter().map(|n| n["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(ids, sorted);
    drop(bob_ws);
    app.stop().await;
}

#[tokio::test]
async fn notifications_are_marked_read_one_by_one_or_all() {
    let app = TestApp::spawn().await;
    let alice = signup_named(&app, "Alice", "Pumps").await;
    let bob = signup_named(&app, "Bob", "Valves").await;
    for text in ["one", "two", "three"] {
        send_message(&app, &alice, &bob, text).await;
    }
    let list = notifications(&app, &bob).await;
    assert_eq!(list.len(), 3);
    let count = app
        .get("/api/v1/notifications/unread-count", bob.token())
        .await;
    assert_eq!(count.json["unread_count"], 3);

    // Someone else's ids change nothing.
    let foreign = app
        .post(
            "/api/v1/notifications/read",
            alice.token(),
            &json!({"ids": [list[0]["id"]]}),
        )
        .await;
    foreign.assert_status(200);
    assert_eq!(foreign.json["marked"], 0);

    let one = app
        .post(
            "/api/v1/notifications/read",
            bob.token(),
            &json!({"ids": [list[0]["id"]]}),
        )
        .await;
    one.assert_status(200);
    assert_eq!(one.json, json!({"marked": 1, "unread_count": 2}));
    let unread = app
        .get("/api/v1/notifications?unread=true", bob.token())
        .await;
    assert_eq!(unread.json["items"].as_array().unwrap().len(), 2);

    app.post("/api/v1/notifications/read", bob.token(), &json!({}))
        .await
        .assert_problem(422, "validation_failed");
    let all = app
        .post(
            "/api/v1/notifications/read",
            bob.token(),
            &json!({"all": true}),
        )
        .await;
    assert_eq!(all.json, json!({"marked": 2, "unread_count": 0}));
    let list = notifications(&app, &bob).await;
    assert!(
        list.iter()
            .all(|n| n["read"] == true && n["read_at"].is_string())
    );
    app.get("/api/v1/notifications", None)
        .await
        .assert_status(401);
    app.stop().await;
}

#[tokio::test]
async fn emails_are_batched_into_digests_and_follow_preferences() {
    let app = TestApp::spawn_with(|raw| raw.notification_digest_secs = 3).await;
    let alice = signup_named(&app, "Alice", "Pumps").await;
    let bob = signup_named(&app, "Bob", "Valves").await;
    // Each signup sends a verification email first.
    app.emails_to(&bob.email, 1).await;
    app.emails_to(&alice.email, 1).await;

    // Bob wants no email for messages, but keeps mentions.
    let prefs = app
        .request(
            reqwest::Method::PUT,
            "/api/v1/notifications/preferences",
            bob.token(),
            Some(&json!({"email": {"message": false}})),
        )
        .await;
    prefs.assert_status(200);
    assert_eq!(prefs.json["email"]["message"], false, "{}", prefs.text);
    assert_eq!(prefs.json["email"]["mention"], true, "{}", prefs.text);
    app.request(
        reqwest::Method::PUT,
        "/api/v1/notifications/preferences",
        bob.token(),
        Some(&json!({"email": {"carrier_pigeon": true}})),
    )
    .await
    .assert_problem(422, "validation_failed");

    send_message(&app, &alice, &bob, "Secret message text").await;
    create_topic(
        &app,
        &alice,
        "Gearbox noise",
        "@bob.valves have you seen this?",
    )
    .await;
    let topic = create_topic(&app, &bob, "Valve sizing", "Rules of thumb?").await;
    let topic_id = topic["topic"]["id"].as_str().unwrap();
    // A busy thread: three replies to Bob's topic make one email, not three.
    for i in 0..3 {
        reply(&app, &alice, topic_id, None, &format!("Reply number {i}")).await;
    }

    let emails = app.parsed_emails_to(&bob.email, 2).await;
    let digest = &read_title(&emails[1].text);
    assert!(
        digest.contains("Alice Pumps mentioned you in \"Gearbox noise\""),
        "{digest}"
    );
    assert!(!digest.contains("Secret message text"), "{digest}");
    // The three replies are one notification: its latest count is emailed,
    // in this digest or (when the replies straddled a window) the next.
    let all_three = "3 new replies in \"Valve sizing\"";
    if !digest.contains(all_three) {
        let emails = app.parsed_emails_to(&bob.email, 3).await;
        let next = read_title(&emails[2].text);
        assert!(next.contains(all_three), "{digest}\n{next}");
    }
    assert!(digest.contains("/forums/topics/"), "{digest}");

    // The message notification exists in the app even though it was not emailed.
    let list = notifications(&app, &bob).await;
    assert_eq!(of_kind(&list, "message").len(), 1);
    app.stop().await;
}
