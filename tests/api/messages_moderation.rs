//! Moderating private messages over HTTP: the recipient reports, a
//! moderator of the sender's organization hides (gone for the recipient:
//! conversation, conversation list, unread count, notifications, replay;
//! still there for the sender, flagged), unhides and deletes (a tombstone);
//! refusals for a plain member (403) and another organization's admin (404).
//! Notifications about hidden content are withheld from their recipients.
//! Superusers (made as the CLI makes them) are told of every report, list
//! every organization's reports and resolve any of them.

use crate::messages::send_message;
use crate::realtime::{connect, next_frame};
use crate::realtime_replay::{create_topic, reply};
use p2p_tests::{Response, Session, TestApp};
use serde_json::{Value, json};

async fn report(app: &TestApp, who: &Session, kind: &str, id: &str) -> String {
    let body = json!({"target_type": kind, "target_id": id, "reason": "spam"});
    let resp = app.post("/api/v1/reports", who.token(), &body).await;
    resp.assert_status(201);
    resp.json["id"].as_str().unwrap().to_owned()
}

async fn resolve(app: &TestApp, who: &Session, report: &str, action: &str) -> Response {
    let path = format!("/api/v1/moderation/reports/{report}/resolve");
    app.post(&path, who.token(), &json!({"action": action}))
        .await
}

async fn unhide(app: &TestApp, who: &Session, kind: &str, id: &str) -> Response {
    let path = format!("/api/v1/moderation/{kind}/{id}/unhide");
    app.post(&path, who.token(), &json!({})).await
}

/// The ids of the messages of `who`'s conversation with `other`, and the
/// message `id` as `who` sees it.
async fn conversation(
    app: &TestApp,
    who: &Session,
    other: &Session,
    id: &str,
) -> (Vec<String>, Value) {
    let resp = app
        .get(&format!("/api/v1/messages/{}", other.user_id), who.token())
        .await;
    resp.assert_status(200);
    let items = resp.json["items"].as_array().unwrap().clone();
    let found = items
        .iter()
        .find(|m| m["id"] == id)
        .cloned()
        .unwrap_or(Value::Null);
    let ids = items
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect();
    (ids, found)
}

/// `who`'s conversation with `other` in their conversation list.
async fn listed(app: &TestApp, who: &Session, other: &Session) -> Value {
    let resp = app.get("/api/v1/messages", who.token()).await;
    resp.assert_status(200);
    resp.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["other_user_id"] == other.user_id)
        .cloned()
        .unwrap_or(Value::Null)
}

/// `who`'s notifications (their `data` and titles) and unread count.
async fn notifications(app: &TestApp, who: &Session) -> (String, u64) {
    app.settled().await;
    let list = app
        .get("/api/v1/notifications?limit=100", who.token())
        .await;
    list.assert_status(200);
    let count = app
        .get("/api/v1/notifications/unread-count", who.token())
        .await;
    count.assert_status(200);
    (
        list.json["items"].to_string(),
        count.json["unread_count"].as_u64().unwrap(),
    )
}

/// Every event replayed on `who`'s own channel from the start.
async fn own_replay(app: &TestApp, who: &Session) -> String {
    let (mut ws, head) = connect(app, who, Some(0)).await;
    let mut frames = Vec::new();
    while frames.len() < usize::try_from(head).unwrap() {
        let frame = next_frame(&mut ws).await;
        if frame["type"] == "event" {
            frames.push(frame);
        }
    }
    Value::Array(frames).to_string()
}

#[tokio::test]
async fn a_reported_message_is_hidden_from_its_recipient_unhidden_and_deleted() {
    let app = TestApp::spawn().await;
    let (admin_a, sender) = app.admin_and_member("msg-admin-a", "msg-sender").await;
    let (admin_b, recipient) = app.admin_and_member("msg-admin-b", "msg-recipient").await;
    let earlier = send_message(&app, &sender, &recipient, "Salam, about the pump order").await;
    let spam = send_message(&app, &sender, &recipient, "عرض خاص: صمامات رخيصة Buy now").await;
    let (earlier, spam) = (
        earlier["id"].as_str().unwrap(),
        spam["id"].as_str().unwrap().to_owned(),
    );
    let (before, unread_before) = notifications(&app, &recipient).await;
    assert!(before.contains(&spam), "{before}");
    assert_eq!(listed(&app, &recipient, &sender).await["unread_count"], 2);

    let id = report(&app, &recipient, "message", &spam).await;
    resolve(&app, &sender, &id, "hide")
        .await
        .assert_problem(403, "forbidden");
    resolve(&app, &admin_b, &id, "hide")
        .await
        .assert_problem(404, "not_found");
    let hidden = resolve(&app, &admin_a, &id, "hide").await;
    hidden.assert_status(200);
    assert_eq!(hidden.json["target"]["hidden"], true, "{}", hidden.text);
    assert!(
        hidden.json["target"]["summary"]
            .as_str()
            .unwrap()
            .contains("صمامات")
    );

    // Gone for the recipient: history, list preview, unread, notifications, replay.
    let (ids, _) = conversation(&app, &recipient, &sender, &spam).await;
    assert_eq!(ids, [earlier.to_owned()]);
    let entry = listed(&app, &recipient, &sender).await;
    assert_eq!(entry["last_message"]["id"], earlier, "{entry}");
    assert_eq!(entry["unread_count"], 1, "{entry}");
    let (after, unread_after) = notifications(&app, &recipient).await;
    assert!(!after.contains(&spam), "{after}");
    assert_eq!(unread_after, unread_before - 1);
    app.request(
        reqwest::Method::PATCH,
        &format!("/api/v1/messages/{spam}/read"),
        recipient.token(),
        None,
    )
    .await
    .assert_problem(404, "not_found");
    let replayed = own_replay(&app, &recipient).await;
    assert!(!replayed.contains("صمامات"), "{replayed}");
    assert!(
        replayed.contains(&spam),
        "the event stays, as an id: {replayed}"
    );
    // Still there for its sender, flagged; and for moderators in the report.
    let (ids, seen) = conversation(&app, &sender, &recipient, &spam).await;
    assert_eq!(ids.len(), 2);
    assert_eq!(seen["hidden"], true, "{seen}");
    let reports = app
        .get(
            "/api/v1/moderation/reports?status=resolved",
            admin_a.token(),
        )
        .await;
    assert!(reports.text.contains("صمامات"), "{}", reports.text);

    // Unhiding: refusals, then it is back everywhere.
    unhide(&app, &sender, "message", &spam)
        .await
        .assert_problem(403, "forbidden");
    unhide(&app, &admin_b, "message", &spam)
        .await
        .assert_problem(404, "not_found");
    let back = unhide(&app, &admin_a, "message", &spam).await;
    back.assert_status(200);
    assert_eq!(back.json["hidden"], false);
    let (ids, seen) = conversation(&app, &recipient, &sender, &spam).await;
    assert_eq!(ids.len(), 2);
    assert_eq!(seen["hidden"], false);
    assert_eq!(
        listed(&app, &recipient, &sender).await["last_message"]["id"],
        spam.as_str()
    );
    let (again, unread) = notifications(&app, &recipient).await;
    assert!(again.contains(&spam), "{again}");
    assert_eq!(unread, unread_before);

    // Deleting: a tombstone for both, no way back.
    let id = report(&app, &recipient, "message", &spam).await;
    resolve(&app, &sender, &id, "delete")
        .await
        .assert_problem(403, "forbidden");
    resolve(&app, &admin_b, &id, "delete")
        .await
        .assert_problem(404, "not_found");
    let deleted = resolve(&app, &admin_a, &id, "delete").await;
    deleted.assert_status(200);
    assert_eq!(deleted.json["target"]["deleted"], true, "{}", deleted.text);
    for (who, other) in [(&recipient, &sender), (&sender, &recipient)] {
        let (_, tomb) = conversation(&app, who, other, &spam).await;
        assert_eq!(
            (&tomb["content"], &tomb["deleted"]),
            (&json!("[deleted]"), &json!(true)),
            "{tomb}"
        );
    }
    let (gone, _) = notifications(&app, &recipient).await;
    assert!(!gone.contains(&spam), "{gone}");
    unhide(&app, &admin_a, "message", &spam)
        .await
        .assert_problem(404, "not_found");

    // Every action is in the sender's organization's audit log.
    let log = app
        .get("/api/v1/organizations/audit-log", admin_a.token())
        .await;
    log.assert_status(200);
    let actions: Vec<(&str, &str)> = log.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target_type"] == "message")
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["target_id"].as_str().unwrap(),
            )
        })
        .collect();
    let on = spam.as_str();
    assert_eq!(
        actions,
        [
            ("report_resolved", on),
            ("content_unhidden", on),
            ("content_hidden", on),
            ("report_resolved", on)
        ],
        "{}",
        log.text
    );
}

#[tokio::test]
async fn notifications_about_a_hidden_post_are_withheld_until_it_is_unhidden() {
    let app = TestApp::spawn().await;
    let (admin_a, author) = app.admin_and_member("notes-admin-a", "notes-author").await;
    let (_, reader) = app.admin_and_member("notes-admin-b", "notes-reader").await;
    let topic = create_topic(&app, &reader, "Bearing noise at 3000 rpm", "Any ideas?").await;
    let post = reply(&app, &author, &topic, "Call 0500000000 for cheap bearings").await;
    let (before, unread_before) = notifications(&app, &reader).await;
    assert!(
        before.contains(&post),
        "the topic's author was told: {before}"
    );

    let id = report(&app, &reader, "post", &post).await;
    resolve(&app, &admin_a, &id, "hide")
        .await
        .assert_status(200);
    let (after, unread_after) = notifications(&app, &reader).await;
    assert!(!after.contains(&post), "{after}");
    assert_eq!(unread_after, unread_before - 1);
    let replayed = own_replay(&app, &reader).await;
    assert!(!replayed.contains("replied in"), "{replayed}");

    unhide(&app, &admin_a, "post", &post)
        .await
        .assert_status(200);
    let (back, unread_back) = notifications(&app, &reader).await;
    assert!(back.contains(&post), "{back}");
    assert_eq!(unread_back, unread_before);
}

#[tokio::test]
async fn superusers_are_told_of_every_report_and_moderate_every_organization() {
    let app = TestApp::spawn().await;
    let root = app.superuser("root").await;
    let (admin_a, member_a) = app.admin_and_member("su-admin-a", "su-member-a").await;
    let (admin_b, member_b) = app.admin_and_member("su-admin-b", "su-member-b").await;
    let topic_a = create_topic(&app, &member_a, "Surplus steel for sale", "DM me").await;
    let topic_b = create_topic(&app, &member_b, "Cheap forklifts", "DM me").await;
    let report_a = report(&app, &member_b, "topic", &topic_a).await;
    let report_b = report(&app, &member_a, "topic", &topic_b).await;

    // Told of both, beside each organization's admins.
    let (notes, _) = notifications(&app, &root).await;
    for id in [&report_a, &report_b] {
        assert!(notes.contains(id.as_str()), "{notes}");
    }
    assert!(notifications(&app, &admin_a).await.0.contains(&report_a));

    // Lists every organization's reports; each admin only theirs.
    let open = "/api/v1/moderation/reports?status=open";
    let all = app.get(open, root.token()).await;
    all.assert_status(200);
    let ids: Vec<&str> = all.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(
        ids.contains(&report_a.as_str()) && ids.contains(&report_b.as_str()),
        "{}",
        all.text
    );
    let theirs = app.get(open, admin_b.token()).await;
    assert!(
        !theirs.text.contains(&report_a) && theirs.text.contains(&report_b),
        "{}",
        theirs.text
    );

    // Resolves and unhides in any organization.
    let hidden = resolve(&app, &root, &report_b, "hide").await;
    hidden.assert_status(200);
    assert_eq!(
        hidden.json["resolution"]["resolved_by"],
        root.user_id.as_str()
    );
    app.get(
        &format!("/api/v1/forums/topics/{topic_b}"),
        member_a.token(),
    )
    .await
    .assert_problem(404, "not_found");
    unhide(&app, &root, "topic", &topic_b)
        .await
        .assert_status(200);
    app.get(
        &format!("/api/v1/forums/topics/{topic_b}"),
        member_a.token(),
    )
    .await
    .assert_status(200);
    resolve(&app, &root, &report_a, "dismiss")
        .await
        .assert_status(200);
    let log = app
        .get("/api/v1/organizations/audit-log", admin_b.token())
        .await;
    assert!(
        log.text.contains(&root.user_id),
        "the superuser's actions are in the organization's log: {}",
        log.text
    );
}
