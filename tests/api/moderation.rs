//! Reports and moderation over HTTP: filing (one open report per reporter
//! and target, messages by their recipient only), the moderators' list,
//! resolving and unhiding with every refusal (member 403, admin of another
//! organization 404, unknown id 404, bad input 422), and what hidden content
//! looks like to everyone else.

use crate::realtime::connect;
use crate::realtime_replay::{create_topic, replay, reply};
use crate::search::{create_use_case, ids, publish_use_case, until, use_case};
use p2p_tests::{Session, TestApp};
use serde_json::{Value, json};

/// Files a report and returns the response.
pub(crate) async fn report(
    app: &TestApp,
    who: &Session,
    kind: &str,
    id: &str,
) -> p2p_tests::Response {
    let body = json!({"target_type": kind, "target_id": id, "reason": "spam", "note": "بريد مزعج"});
    app.post("/api/v1/reports", who.token(), &body).await
}

pub(crate) async fn resolve(
    app: &TestApp,
    who: &Session,
    report: &str,
    action: &str,
) -> p2p_tests::Response {
    app.post(
        &format!("/api/v1/moderation/reports/{report}/resolve"),
        who.token(),
        &json!({"action": action, "note": "checked"}),
    )
    .await
}

pub(crate) async fn unhide(
    app: &TestApp,
    who: &Session,
    kind: &str,
    id: &str,
) -> p2p_tests::Response {
    let path = format!("/api/v1/moderation/{kind}/{id}/unhide");
    app.post(&path, who.token(), &json!({})).await
}

/// Two organizations, each with an admin and a member.
async fn people(app: &TestApp) -> (Session, Session, Session, Session) {
    let (admin_a, member_a) = app.admin_and_member("admin-a", "member-a").await;
    let (admin_b, member_b) = app.admin_and_member("admin-b", "member-b").await;
    (admin_a, member_a, admin_b, member_b)
}

#[tokio::test]
async fn reports_are_filed_once_listed_to_moderators_and_resolved() {
    let app = TestApp::spawn().await;
    let (admin_a, member_a, admin_b, member_b) = people(&app).await;
    let topic = create_topic(&app, &member_a, "Cheap pumps, call now", "Buy buy buy").await;

    let first = report(&app, &member_b, "topic", &topic).await;
    first.assert_status(201);
    let id = first.json["id"].as_str().unwrap().to_owned();
    assert_eq!(first.json["status"], "open");
    assert_eq!(first.json["target"]["summary"], "Cheap pumps, call now");
    let again = report(&app, &member_b, "topic", &topic).await;
    again.assert_status(200);
    assert_eq!(
        again.json["id"],
        id.as_str(),
        "a repeat answers the open report"
    );
    report(&app, &admin_b, "topic", &topic)
        .await
        .assert_status(201);

    // Bad input and unknown targets.
    let bad = json!({"target_type": "topic", "target_id": topic, "reason": "rude"});
    let resp = app.post("/api/v1/reports", member_b.token(), &bad).await;
    resp.assert_problem(422, "validation_failed");
    assert!(resp.text.contains("reason"), "{}", resp.text);
    let long = json!({"target_type": "topic", "target_id": topic, "reason": "other", "note": "x".repeat(1001)});
    let resp = app.post("/api/v1/reports", member_b.token(), &long).await;
    resp.assert_problem(422, "validation_failed");
    assert!(resp.text.contains("note"), "{}", resp.text);
    let nobody = uuid::Uuid::new_v4().to_string();
    report(&app, &member_b, "topic", &nobody)
        .await
        .assert_problem(404, "not_found");
    report(&app, &member_b, "use_case", &nobody)
        .await
        .assert_problem(404, "not_found");

    // Only moderators list reports, each organization's admins their members' content.
    let open = "/api/v1/moderation/reports?status=open";
    app.get(open, member_a.token())
        .await
        .assert_problem(403, "forbidden");
    let theirs = app.get(open, admin_b.token()).await;
    theirs.assert_status(200);
    assert!(ids(&theirs.json).is_empty(), "{}", theirs.text);
    let list = app.get(open, admin_a.token()).await;
    list.assert_status(200);
    assert_eq!(ids(&list.json).len(), 2, "{}", list.text);
    assert_eq!(list.json["items"][0]["report_count"], 2, "{}", list.text);
    let page = app.get(&format!("{open}&limit=1"), admin_a.token()).await;
    assert!(page.json["next_cursor"].is_string(), "{}", page.text);
    app.get("/api/v1/moderation/reports?status=later", admin_a.token())
        .await
        .assert_problem(422, "validation_failed");

    // The organization's admins were notified.
    let notes = app.get("/api/v1/notifications", admin_a.token()).await;
    let kinds: Vec<&str> = notes.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"content_reported"), "{}", notes.text);

    // Resolving: refusals, then one decision settles every open report.
    resolve(&app, &member_a, &id, "dismiss")
        .await
        .assert_problem(403, "forbidden");
    resolve(&app, &admin_b, &id, "dismiss")
        .await
        .assert_problem(404, "not_found");
    resolve(&app, &admin_a, &nobody, "dismiss")
        .await
        .assert_problem(404, "not_found");
    resolve(&app, &admin_a, &id, "ban")
        .await
        .assert_problem(422, "validation_failed");
    let done = resolve(&app, &admin_a, &id, "dismiss").await;
    done.assert_status(200);
    assert_eq!(done.json["status"], "resolved");
    assert_eq!(done.json["resolution"]["action"], "dismiss");
    resolve(&app, &admin_a, &id, "hide")
        .await
        .assert_problem(409, "report_already_resolved");
    let open_now = app.get(open, admin_a.token()).await;
    assert!(ids(&open_now.json).is_empty(), "{}", open_now.text);
    let resolved = app
        .get(
            "/api/v1/moderation/reports?status=resolved",
            admin_a.token(),
        )
        .await;
    assert_eq!(ids(&resolved.json).len(), 2, "{}", resolved.text);
    // Dismissed: the topic is still there, and may be reported again.
    app.get(&format!("/api/v1/forums/topics/{topic}"), member_b.token())
        .await
        .assert_status(200);
    report(&app, &member_b, "topic", &topic)
        .await
        .assert_status(201);
}

#[tokio::test]
async fn messages_are_reported_by_their_recipient_and_users_only_dismissed() {
    let app = TestApp::spawn().await;
    let (admin_a, member_a, admin_b, member_b) = people(&app).await;
    let sent = app
        .post(
            "/api/v1/messages",
            member_a.token(),
            &json!({"recipient_id": member_b.user_id, "content": "Unsolicited offer"}),
        )
        .await;
    sent.assert_status(201);
    let message = sent.json["id"].as_str().unwrap().to_owned();
    report(&app, &member_a, "message", &message)
        .await
        .assert_problem(403, "forbidden");
    report(&app, &admin_b, "message", &message)
        .await
        .assert_problem(404, "not_found");
    let filed = report(&app, &member_b, "message", &message).await;
    filed.assert_status(201);
    let id = filed.json["id"].as_str().unwrap().to_owned();
    resolve(&app, &admin_a, &id, "dismiss")
        .await
        .assert_status(200);

    let user = report(&app, &member_b, "user", &member_a.user_id).await;
    user.assert_status(201);
    assert_eq!(
        user.json["target"]["organization_id"],
        member_a.org_id.as_str()
    );
    let uid = user.json["id"].as_str().unwrap().to_owned();
    resolve(&app, &admin_a, &uid, "delete")
        .await
        .assert_problem(422, "validation_failed");
    resolve(&app, &admin_a, &uid, "dismiss")
        .await
        .assert_status(200);
}

/// Whether the visible list at `path` holds `id`.
async fn lists(app: &TestApp, who: &Session, path: &str, id: &str) -> bool {
    let resp = app.get(path, who.token()).await;
    resp.assert_status(200);
    ids(&resp.json).iter().any(|i| i == id)
}

#[tokio::test]
async fn a_hidden_topic_is_gone_for_everyone_but_its_author_and_moderators() {
    let app = TestApp::spawn().await;
    let (admin_a, member_a, admin_b, member_b) = people(&app).await;
    let topic = create_topic(&app, &member_a, "Zirconia grinding offers", "Spam body").await;
    let post = reply(&app, &admin_b, &topic, "A reply before hiding").await;
    let search = "/api/v1/search?q=zirconia";
    until(&app, search, member_b.token(), |b| ids(b).contains(&topic)).await;
    until(&app, "/api/v1/dashboard/activity", member_b.token(), |f| {
        ids(f).contains(&topic)
    })
    .await;
    until(&app, "/api/v1/dashboard/trending", member_b.token(), |t| {
        ids(t).contains(&topic)
    })
    .await;

    let id = report(&app, &member_b, "topic", &topic).await.json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let hidden = resolve(&app, &admin_a, &id, "hide").await;
    hidden.assert_status(200);
    assert_eq!(hidden.json["target"]["hidden"], true, "{}", hidden.text);

    let detail = format!("/api/v1/forums/topics/{topic}");
    let list = "/api/v1/forums/topics?limit=100";
    for outsider in [&member_b, &admin_b] {
        app.get(&detail, outsider.token())
            .await
            .assert_problem(404, "not_found");
        app.get(&format!("/api/v1/forums/posts/{post}"), outsider.token())
            .await
            .assert_problem(404, "not_found");
        assert!(!lists(&app, outsider, list, &topic).await);
    }
    for insider in [&member_a, &admin_a] {
        app.get(&detail, insider.token()).await.assert_status(200);
        assert!(lists(&app, insider, list, &topic).await);
    }
    until(&app, search, member_b.token(), |b| !ids(b).contains(&topic)).await;
    until(&app, "/api/v1/dashboard/activity", member_b.token(), |f| {
        !ids(f).contains(&topic)
    })
    .await;
    until(&app, "/api/v1/dashboard/trending", member_b.token(), |t| {
        !ids(t).contains(&topic)
    })
    .await;

    // Replay gives outsiders ids only.
    let (mut ws, _) = connect(&app, &member_b, None).await;
    let (_, events) = replay(&mut ws, &format!("topic:{topic}"), 0).await;
    assert!(!events.is_empty());
    for e in &events {
        assert!(!e.to_string().contains("Spam body"), "{e}");
        assert!(!e.to_string().contains("A reply before"), "{e}");
    }

    // Unhiding: refusals, then it is back for everyone.
    unhide(&app, &member_a, "topic", &topic)
        .await
        .assert_problem(403, "forbidden");
    unhide(&app, &admin_b, "topic", &topic)
        .await
        .assert_problem(404, "not_found");
    let nobody = uuid::Uuid::new_v4().to_string();
    unhide(&app, &admin_a, "topic", &nobody)
        .await
        .assert_problem(404, "not_found");
    unhide(&app, &admin_a, "gadget", &topic)
        .await
        .assert_problem(404, "not_found");
    let back = unhide(&app, &admin_a, "topic", &topic).await;
    back.assert_status(200);
    assert_eq!(back.json["hidden"], false);
    app.get(&detail, member_b.token()).await.assert_status(200);
    until(&app, search, member_b.token(), |b| ids(b).contains(&topic)).await;
}

#[tokio::test]
async fn hidden_posts_and_use_cases_leave_threads_lists_details_and_exports() {
    let app = TestApp::spawn().await;
    let (admin_a, member_a, admin_b, member_b) = people(&app).await;
    let topic = create_topic(&app, &admin_b, "Coolant filtration", "What works?").await;
    let post = reply(
        &app,
        &member_a,
        &topic,
        "Visit my shop for magnetic filters",
    )
    .await;
    let id = report(&app, &member_b, "post", &post).await.json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    resolve(&app, &admin_a, &id, "hide")
        .await
        .assert_status(200);
    let thread = |who: &Session| {
        let path = format!("/api/v1/forums/topics/{topic}");
        let token = who.access.clone();
        let app = &app;
        async move { ids(&app.get(&path, Some(&token)).await.json["posts"]) }
    };
    assert!(!thread(&member_b).await.contains(&post));
    assert!(
        !thread(&admin_b).await.contains(&post),
        "the topic's admin is not the author's"
    );
    assert!(thread(&member_a).await.contains(&post));
    assert!(thread(&admin_a).await.contains(&post));
    let path = format!("/api/v1/forums/posts/{post}");
    app.get(&path, member_b.token())
        .await
        .assert_problem(404, "not_found");
    app.get(&path, member_a.token()).await.assert_status(200);
    unhide(&app, &admin_a, "post", &post)
        .await
        .assert_status(200);
    assert!(thread(&member_b).await.contains(&post));

    // A use case.
    let body = use_case("Vision QA for castings", "Foundry", "Porosity escapes.");
    let uc = create_use_case(&app, member_a.token(), &body).await;
    publish_use_case(&app, member_a.token(), &uc).await;
    let rid = report(&app, &member_b, "use_case", &uc).await.json["id"]
        .as_str()
        .unwrap()
        .to_owned();
    resolve(&app, &admin_a, &rid, "hide")
        .await
        .assert_status(200);
    let detail = format!("/api/v1/use-cases/{uc}");
    app.get(&detail, member_b.token())
        .await
        .assert_problem(404, "not_found");
    app.get(&detail, member_a.token()).await.assert_status(200);
    let list = "/api/v1/use-cases?limit=100";
    assert!(!lists(&app, &member_b, list, &uc).await);
    assert!(lists(&app, &admin_a, list, &uc).await);
    assert!(!export(&app, &member_b).await.contains(&uc));
    assert!(export(&app, &member_a).await.contains(&uc));
    until(&app, "/api/v1/search?q=porosity", member_b.token(), |b| {
        !ids(b).contains(&uc)
    })
    .await;
    // Deleting through a report removes it for good.
    let again = report(&app, &admin_a, "use_case", &uc).await;
    again.assert_status(201);
    let rid = again.json["id"].as_str().unwrap().to_owned();
    let deleted = resolve(&app, &admin_a, &rid, "delete").await;
    deleted.assert_status(200);
    assert_eq!(deleted.json["target"]["deleted"], true, "{}", deleted.text);
    app.get(&detail, member_a.token())
        .await
        .assert_problem(404, "not_found");
}

async fn export(app: &TestApp, who: &Session) -> String {
    let resp = app
        .get("/api/v1/use-cases/export?format=json", who.token())
        .await;
    resp.assert_status(200);
    let rows: Vec<Value> = serde_json::from_str(&resp.text).unwrap_or_default();
    rows.iter()
        .map(|r| r["id"].to_string())
        .collect::<Vec<_>>()
        .join(",")
}
