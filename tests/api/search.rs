//! Search over HTTP: freshness from events, typo tolerance, snippets,
//! filters, pagination, visibility, and removal of deleted content.

use p2p_tests::{TestApp, unique_email};
use serde_json::{Value, json};
use std::time::Duration;

/// Polls `path` until `done` holds for the JSON body (at most 15 s, then fails).
pub async fn until(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let resp = app.get(path, token).await;
        resp.assert_status(200);
        if done(&resp.json) {
            return resp.json;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition never held for {path}: {}",
            resp.text
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn ids(body: &Value) -> Vec<String> {
    body["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["id"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn topic(
    app: &TestApp,
    token: Option<&str>,
    title: &str,
    content: &str,
    tags: &[&str],
) -> String {
    let created = app
        .post(
            "/api/v1/forums/topics",
            token,
            &json!({"title": title, "content": content, "tags": tags}),
        )
        .await;
    created.assert_status(201);
    created.json["topic"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn new_content_is_found_with_typos_and_deleted_content_disappears() {
    let app = TestApp::spawn().await;
    let asker = app.signup(&unique_email("asker")).await;
    let helper = app.signup(&unique_email("helper")).await;
    let topic_id = topic(
        &app,
        asker.token(),
        "Thermocouple drift in annealing furnace",
        "Our **thermocouples** read 15 °C low after a month. <script>x</script>",
        &["Furnaces"],
    )
    .await;
    let reply = app
        .post(
            &format!("/api/v1/forums/topics/{topic_id}/posts"),
            helper.token(),
            &json!({"content": "Check the compensation cable; we had oxidized junctions."}),
        )
        .await;
    reply.assert_status(201);
    let reply_id = reply.json["id"].as_str().unwrap().to_owned();

    // The topic is found by a title word, title hits are highlighted and escaped.
    let found = until(&app, "/api/v1/search?q=thermocouple", helper.token(), |b| {
        ids(b).contains(&topic_id)
    })
    .await;
    let hit = &found["items"][0];
    assert_eq!(hit["kind"], "topic");
    assert_eq!(hit["title"], "Thermocouple drift in annealing furnace");
    let snippet = hit["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>"), "{snippet}");
    assert!(!snippet.contains("<script"), "{snippet}");

    // The reply is found by a body word, as a post of its topic.
    let found = until(
        &app,
        "/api/v1/search/forums?q=compensation",
        asker.token(),
        |b| ids(b).contains(&reply_id),
    )
    .await;
    assert_eq!(found["items"][0]["kind"], "post");
    assert_eq!(found["items"][0]["topic_id"], topic_id.as_str());

    // One typo in a word of 5+ letters: substitution, transposition, deletion.
    for typo in ["compensatoin", "compensetion", "compnsation"] {
        let body = app
            .get(&format!("/api/v1/search?q={typo}"), asker.token())
            .await;
        body.assert_status(200);
        assert!(ids(&body.json).contains(&reply_id), "{typo}: {}", body.text);
    }
    let body = app
        .get("/api/v1/search?q=thermocuople%20furnace", asker.token())
        .await;
    assert!(ids(&body.json).contains(&topic_id), "{}", body.text);
    // Two typos are too many; a word matching nothing finds nothing.
    let body = app
        .get("/api/v1/search?q=copmensatoin", asker.token())
        .await;
    assert!(ids(&body.json).is_empty(), "{}", body.text);

    // Deleting the reply removes it; deleting the topic removes the topic.
    app.delete(&format!("/api/v1/forums/posts/{reply_id}"), helper.token())
        .await
        .assert_status(204);
    until(&app, "/api/v1/search?q=compensation", asker.token(), |b| {
        ids(b).is_empty()
    })
    .await;
    app.delete(&format!("/api/v1/forums/topics/{topic_id}"), asker.token())
        .await
        .assert_status(204);
    until(&app, "/api/v1/search?q=thermocouple", asker.token(), |b| {
        ids(b).is_empty()
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn filters_ranking_and_pagination() {
    let app = TestApp::spawn().await;
    let a = app.signup(&unique_email("a")).await;
    let b = app.signup(&unique_email("b")).await;
    let in_title = topic(
        &app,
        a.token(),
        "Gearbox vibration analysis",
        "Baseline readings.",
        &["vibration"],
    )
    .await;
    let in_body = topic(
        &app,
        b.token(),
        "Spindle noise at high speed",
        "Could gearbox wear explain it?",
        &["spindles"],
    )
    .await;
    let third = topic(
        &app,
        b.token(),
        "Choosing a gearbox oil",
        "Synthetic or mineral?",
        &["Lubrication"],
    )
    .await;

    let all = until(&app, "/api/v1/search?q=gearbox", a.token(), |b| {
        ids(b).len() == 3
    })
    .await;
    // A title match outranks a body-only match.
    let order = ids(&all);
    let pos = |id: &str| order.iter().position(|x| x == id).unwrap();
    assert!(pos(&in_title) < pos(&in_body), "{all}");

    // Pages of one: every hit once, in the same order.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/search?q=gearbox&limit=1&cursor={c}"),
            None => "/api/v1/search?q=gearbox&limit=1".to_owned(),
        };
        let page = app.get(&path, a.token()).await;
        page.assert_status(200);
        paged.extend(ids(&page.json));
        match page.json["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, order);

    // Filters: tag (case-insensitive), organization, kind, date range.
    let tagged = app
        .get("/api/v1/search?q=gearbox&tag=lubrication", a.token())
        .await;
    assert_eq!(ids(&tagged.json), vec![third.clone()]);
    let org = app
        .get(
            &format!(
                "/api/v1/search?q=gearbox&organization_id={}&kind=topic",
                a.org_id
            ),
            b.token(),
        )
        .await;
    assert_eq!(ids(&org.json), vec![in_title.clone()]);
    let future = app
        .get(
            "/api/v1/search?q=gearbox&from=2999-01-01T00:00:00Z",
            a.token(),
        )
        .await;
    assert!(ids(&future.json).is_empty());
    let users = app.get("/api/v1/search/users?q=gearbox", a.token()).await;
    assert!(ids(&users.json).is_empty());

    // Bad input: 422 problems; no token: 401.
    app.get("/api/v1/search?q=", a.token())
        .await
        .assert_problem(422, "validation_failed");
    app.get("/api/v1/search?q=%21%21%21", a.token())
        .await
        .assert_problem(422, "validation_failed");
    app.get("/api/v1/search/forums?q=gearbox&kind=user", a.token())
        .await
        .assert_problem(422, "validation_failed");
    app.get("/api/v1/search?q=gearbox&kind=planet", a.token())
        .await
        .assert_status(422);
    app.get("/api/v1/search?q=gearbox&cursor=%25%25", a.token())
        .await
        .assert_problem(422, "validation_failed");
    app.get("/api/v1/search?q=gearbox", None)
        .await
        .assert_status(401);
    app.stop().await;
}

#[tokio::test]
async fn users_are_found_until_deactivated() {
    let app = TestApp::spawn().await;
    let admin = app.signup(&unique_email("admin")).await;
    let member = app
        .invite_and_join(&admin, &unique_email("member"), "member")
        .await;
    let outsider = app.signup(&unique_email("outsider")).await;
    app.patch(
        "/api/v1/users/me",
        member.token(),
        &json!({"job_title": "Metallurgist", "bio": "Heat treatment and quenching specialist"}),
    )
    .await
    .assert_status(200);
    let found = until(
        &app,
        "/api/v1/search/users?q=quenching",
        outsider.token(),
        |b| ids(b).contains(&member.user_id),
    )
    .await;
    assert_eq!(found["items"][0]["kind"], "user");
    // Emails are not indexed.
    let local = member.email.split('@').next().unwrap().to_owned();
    let by_email = app
        .get(&format!("/api/v1/search/users?q={local}"), outsider.token())
        .await;
    assert!(
        !ids(&by_email.json).contains(&member.user_id),
        "{}",
        by_email.text
    );

    app.delete(&format!("/api/v1/users/{}", member.user_id), admin.token())
        .await
        .assert_status(204);
    until(&app, "/api/v1/search?q=quenching", outsider.token(), |b| {
        ids(b).is_empty()
    })
    .await;
    app.stop().await;
}
