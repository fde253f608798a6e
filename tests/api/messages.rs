//! Private messages: send, conversations, unread exactness across devices,
//! live delivery (also across instances), privacy, blocking, validation and
//! the send rate limit.

use crate::realtime::{Socket, connect, next_frame, own_channel};
use p2p_tests::{PASSWORD, Session, TestApp, unique_email};
use serde_json::{Value, json};

/// Signs up a user (own organization) with the given names.
pub(crate) async fn signup_named(app: &TestApp, first: &str, last: &str) -> Session {
    let email = unique_email(&first.to_lowercase());
    app.signup_as(&email, first, last, &format!("{last} Industries"))
        .await
}

/// A second device (session) of the same user.
async fn second_device(app: &TestApp, session: &Session) -> Session {
    let resp = app.login(&session.email, PASSWORD).await;
    resp.assert_status(200);
    Session::from_auth(&session.email, resp.json)
}

pub(crate) async fn send_message(app: &TestApp, from: &Session, to: &Session, text: &str) -> Value {
    let resp = app
        .post(
            "/api/v1/messages",
            from.token(),
            &json!({"recipient_id": to.user_id, "content": text}),
        )
        .await;
    resp.assert_status(201);
    resp.json
}

/// The next event called `name` on the socket (other events skipped).
pub(crate) async fn next_event(ws: &mut Socket, name: &str) -> Value {
    loop {
        let frame = next_frame(ws).await;
        if frame["type"] == "event" && frame["event"] == name {
            return frame;
        }
    }
}

fn conversation_with<'a>(list: &'a Value, user: &Session) -> Option<&'a Value> {
    list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|c| c["other_user_id"] == user.user_id))
}

#[tokio::test]
async fn unread_counts_stay_exact_across_two_devices_and_reads_sync_live() {
    let app = TestApp::spawn().await;
    let alice = signup_named(&app, "Alice", "Pumps").await;
    let bob = signup_named(&app, "Bob", "Valves").await;
    let bob_phone = second_device(&app, &bob).await;
    let (mut phone_ws, _) = connect(&app, &bob_phone, None).await;

    let mut sent = Vec::new();
    for text in ["first", "second", "third"] {
        sent.push(send_message(&app, &alice, &bob, text).await);
    }
    for expected in &sent {
        let frame = next_event(&mut phone_ws, "message.created").await;
        assert_eq!(frame["channel"], own_channel(&bob), "{frame}");
        assert_eq!(frame["data"]["id"], expected["id"], "{frame}");
        assert_eq!(frame["data"]["sender_id"], alice.user_id.as_str());
    }

    let list = app.get("/api/v1/messages", bob.token()).await;
    list.assert_status(200);
    let conv = conversation_with(&list.json, &alice).expect("conversation with alice");
    assert_eq!(conv["unread_count"], 3, "{conv}");
    assert_eq!(conv["last_message"]["content"], "third");
    assert_eq!(conv["other_user"]["display_name"], "Alice Pumps");

    // Read up to the second message on the laptop: the phone hears it live.
    let read = app
        .patch(
            &format!("/api/v1/messages/{}/read", sent[1]["id"].as_str().unwrap()),
            bob.token(),
            &json!({}),
        )
        .await;
    read.assert_status(200);
    assert_eq!(read.json["unread_count"], 1, "{}", read.text);
    let frame = next_event(&mut phone_ws, "message.read").await;
    assert_eq!(frame["data"]["unread_count"], 1, "{frame}");
    assert_eq!(frame["data"]["last_read_message_id"], sent[1]["id"]);

    // Counts are per conversation: Carol's two messages stay unread beside Alice's one.
    let carol = signup_named(&app, "Carol", "Boilers").await;
    for text in ["hello", "again"] {
        send_message(&app, &carol, &bob, text).await;
    }
    let list = app.get("/api/v1/messages", bob.token()).await;
    assert_eq!(
        conversation_with(&list.json, &carol).unwrap()["unread_count"],
        2,
        "{}",
        list.text
    );
    assert_eq!(
        conversation_with(&list.json, &alice).unwrap()["unread_count"],
        1,
        "{}",
        list.text
    );
    for _ in 0..2 {
        next_event(&mut phone_ws, "message.created").await;
    }

    // An older read from the phone does not bring unread messages back.
    let older = app
        .patch(
            &format!("/api/v1/messages/{}/read", sent[0]["id"].as_str().unwrap()),
            bob_phone.token(),
            &json!({}),
        )
        .await;
    older.assert_status(200);
    assert_eq!(older.json["unread_count"], 1, "{}", older.text);
    let list = app.get("/api/v1/messages", bob_phone.token()).await;
    assert_eq!(
        conversation_with(&list.json, &alice).unwrap()["unread_count"],
        1
    );

    app.patch(
        &format!("/api/v1/messages/{}/read", sent[2]["id"].as_str().unwrap()),
        bob_phone.token(),
        &json!({}),
    )
    .await
    .assert_status(200);
    for device in [&bob, &bob_phone] {
        let list = app.get("/api/v1/messages", device.token()).await;
        assert_eq!(
            conversation_with(&list.json, &alice).unwrap()["unread_count"],
            0
        );
    }
    // The sender's own messages never count as unread for her.
    let list = app.get("/api/v1/messages", alice.token()).await;
    assert_eq!(
        conversation_with(&list.json, &bob).unwrap()["unread_count"],
        0
    );
    drop(phone_ws);
    app.stop().await;
}

#[tokio::test]
async fn a_conversation_pages_newest_first_without_skips_or_repeats() {
    let app = TestApp::spawn().await;
    let alice = signup_named(&app, "Alice", "Pumps").await;
    let bob = signup_named(&app, "Bob", "Valves").await;
    for i in 0..5 {
        let (from, to) = if i % 2 == 0 {
            (&alice, &bob)
        } else {
            (&bob, &alice)
        };
        send_message(&app, from, to, &format!("m{i}")).await;
    }
    let pages = app
        .all_pages(
            &format!("/api/v1/messages/{}?limit=2", alice.user_id),
            bob.token(),
        )
        .await;
    let seen: Vec<String> = pages
        .iter()
        .flat_map(|page| page["items"].as_array().unwrap().clone())
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen, ["m4", "m3", "m2", "m1", "m0"]);
    app.get(
        &format!("/api/v1/messages/{}?cursor=garbage", alice.user_id),
        bob.token(),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.stop().await;
}

#[tokio::test]
async fn nobody_else_can_read_a_conversation() {
    let app = TestApp::spawn().await;
    let alice = signup_named(&app, "Alice", "Pumps").await;
    let bob = signup_named(&app, "Bob", "Valves").await;
    let eve = signup_named(&app, "Eve", "Spy").await;
    let msg = send_message(&app, &alice, &bob, "for bob only").await;
    let id = msg["id"].as_str().unwrap();

    // Eve asking about Alice or Bob sees her own (empty) conversations.
    for other in [&alice, &bob] {
        let page = app
            .get(&format!("/api/v1/messages/{}", other.user_id), eve.token())
            .await;
        page.assert_status(200);
        assert_eq!(page.json["items"], json!([]), "{}", page.text);
    }
    let list = app.get("/api/v1/messages", eve.token()).await;
    assert_eq!(list.json["items"], json!([]));
    app.patch(
        &format!("/api/v1/messages/{id}/read"),
        eve.token(),
        &json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    assert!(!list.text.contains("for bob only"));
    app.get("/api/v1/messages", None).await.assert_status(401);
    app.get(&format!("/api/v1/messages/{}", bob.user_id), None)
        .await
        .assert_status(401);
    app.get(
        &format!("/api/v1/messages/{}", uuid::Uuid::now_v7()),
        alice.token(),
    )
    .await
    .assert_problem(404, "not_found");
    app.stop().await;
}

#[tokio::test]
async fn invalid_messages_are_refused_and_content_is_sanitized() {
    let app = TestApp::spawn().await;
    let alice = signup_named(&app, "Alice", "Pumps").await;
    let bob = signup_named(&app, "Bob", "Valves").await;
    let post = |body: Value| {
        let app = &app;
        let token = alice.access.clone();
        async move { app.post("/api/v1/messages", Some(&token), &body).await }
    };
    post(json!({"recipient_id": bob.user_id, "content": "   "}))
        .await
        .assert_problem(422, "validation_failed");
    post(json!({"recipient_id": bob.user_id, "content": "x".repeat(5001)}))
        .await
        .assert_problem(422, "validation_failed");
    post(json!({"recipient_id": alice.user_id, "content": "me"}))
        .await
        .assert_problem(422, "validation_failed");
    post(json!({"recipient_id": uuid::Uuid::now_v7(), "content": "hi"}))
        .await
        .assert_problem(404, "not_found");
    post(json!({"content": "no recipient"}))
        .await
        .assert_problem(422, "validation_failed");
    let list = app.get("/api/v1/messages", alice.token()).await;
    assert_eq!(list.json["items"], json!([]), "nothing was stored");

    let msg = send_message(
        &app,
        &alice,
        &bob,
        "**hi** <script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1))",
    )
    .await;
    let html = msg["content_html"].as_str().unwrap();
    assert!(html.contains("<strong>hi</strong>"), "{html}");
    for bad in ["<script", "onerror", "javascript:"] {
        assert!(!html.contains(bad), "{html}");
    }
    app.stop().await;
}

#[tokio::test]
async fn blocking_refuses_messages_and_hides_the_conversation() {
    let app = TestApp::spawn().await;
    let alice = signup_named(&app, "Alice", "Pumps").await;
    let bob = signup_named(&app, "Bob", "Valves").await;
    send_message(&app, &alice, &bob, "hello").await;

    let blocked = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/messages/blocks/{}", alice.user_id),
            bob.token(),
            None,
        )
        .await;
    blocked.assert_status(200);
    assert_eq!(blocked.json["user_id"], alice.user_id.as_str());

    let refused = app
        .post(
            "/api/v1/messages",
            alice.token(),
            &json!({"recipient_id": bob.user_id, "content": "are you there?"}),
        )
        .await;
    refused.assert_problem(403, "blocked");
    let own = app
        .post(
            "/api/v1/messages",
            bob.token(),
            &json!({"recipient_id": alice.user_id, "content": "bye"}),
        )
        .await;
    own.assert_problem(409, "recipient_blocked");

    let list = app.get("/api/v1/messages", bob.token()).await;
    assert!(
        conversation_with(&list.json, &alice).is_none(),
        "{}",
        list.text
    );
    let list = app.get("/api/v1/messages/blocks", bob.token()).await;
    assert_eq!(
        list.json[0]["user_id"],
        alice.user_id.as_str(),
        "{}",
        list.text
    );
    let page = app
        .get(&format!("/api/v1/messages/{}", bob.user_id), alice.token())
        .await;
    assert_eq!(
        page.json["items"].as_array().unwrap().len(),
        1,
        "nothing new stored"
    );

    app.delete(
        &format!("/api/v1/messages/blocks/{}", alice.user_id),
        bob.token(),
    )
    .await
    .assert_status(204);
    send_message(&app, &alice, &bob, "now?").await;
    let list = app.get("/api/v1/messages", bob.token()).await;
    assert_eq!(
        conversation_with(&list.json, &alice).unwrap()["unread_count"],
        2
    );
    app.stop().await;
}

#[tokio::test]
async fn senders_are_rate_limited() {
    let app = TestApp::spawn_with(|raw| raw.message_send_limit_per_minute = 3).await;
    let alice = signup_named(&app, "Alice", "Pumps").await;
    let bob = signup_named(&app, "Bob", "Valves").await;
    for i in 0..3 {
        send_message(&app, &alice, &bob, &format!("{i}")).await;
    }
    let limited = app
        .post(
            "/api/v1/messages",
            alice.token(),
            &json!({"recipient_id": bob.user_id, "content": "one too many"}),
        )
        .await;
    limited.assert_problem(429, "rate_limited");
    let retry: u64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry), "{retry}");
    // Another sender is not affected.
    send_message(&app, &bob, &alice, "fine").await;
    app.stop().await;
}

#[tokio::test]
async fn messages_reach_the_recipient_on_another_instance() {
    let Some((app, other)) = TestApp::spawn_pair().await else {
        return;
    };
    let alice = signup_named(&app, "Alice", "Pumps").await;
    let bob = signup_named(&app, "Bob", "Valves").await;
    let (mut ws, _) = connect(&other, &bob, None).await;
    let sent = send_message(&app, &alice, &bob, "across instances").await;
    let frame = next_event(&mut ws, "message.created").await;
    assert_eq!(frame["data"]["id"], sent["id"], "{frame}");
    assert_eq!(frame["data"]["content"], "across instances");
    // And over HTTP on either instance.
    let page = other
        .get(&format!("/api/v1/messages/{}", alice.user_id), bob.token())
        .await;
    assert_eq!(page.json["items"][0]["id"], sent["id"]);
    drop(ws);
    other.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn attachments_are_visible_to_the_two_participants_only() {
    use crate::files::{api_path, fetch, multipart, png, post_multipart};
    let app = TestApp::spawn().await;
    let alice = signup_named(&app, "Alice", "Pumps").await;
    let bob = signup_named(&app, "Bob", "Valves").await;
    let eve = signup_named(&app, "Eve", "Spy").await;
    let image = png(2_000);
    let upload = post_multipart(
        &app,
        "/api/v1/files",
        &alice,
        multipart("drawing.png", "image/png", &image),
    )
    .await;
    upload.assert_status(201);
    let file_id = upload.json["id"].as_str().unwrap().to_owned();

    // Bob cannot send Alice's upload as his own.
    app.post(
        "/api/v1/messages",
        bob.token(),
        &json!({"recipient_id": alice.user_id, "content": "mine?", "attachments": [file_id]}),
    )
    .await
    .assert_problem(404, "not_found");

    let sent = app
        .post(
            "/api/v1/messages",
            alice.token(),
            &json!({"recipient_id": bob.user_id, "content": "The drawing", "attachments": [file_id]}),
        )
        .await;
    sent.assert_status(201);
    assert_eq!(
        sent.json["attachments"][0]["id"],
        file_id.as_str(),
        "{}",
        sent.text
    );
    let path = api_path(sent.json["attachments"][0]["url"].as_str().unwrap());

    let page = app
        .get(&format!("/api/v1/messages/{}", alice.user_id), bob.token())
        .await;
    assert_eq!(
        page.json["items"][0]["attachments"][0]["id"],
        file_id.as_str()
    );
    assert_eq!(fetch(&app, &path, &bob).await, image);
    assert_eq!(fetch(&app, &path, &alice).await, image);
    app.get(&path, eve.token())
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}
