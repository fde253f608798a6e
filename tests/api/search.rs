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
    within(app, Duration::from_secs(15), path, token, done).await
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

/// Replies in a topic; the post's id.
async fn reply(app: &TestApp, token: Option<&str>, topic_id: &str, content: &str) -> String {
    let created = app
        .post(
            &format!("/api/v1/forums/topics/{topic_id}/posts"),
            token,
            &json!({ "content": content }),
        )
        .await;
    created.assert_status(201);
    created.json["id"].as_str().unwrap().to_owned()
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
    let reply_id = reply(
        &app,
        helper.token(),
        &topic_id,
        "Check the compensation cable; we had oxidized junctions.",
    )
    .await;

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
    let pages = app
        .all_pages("/api/v1/search?q=gearbox&limit=1", a.token())
        .await;
    let paged: Vec<_> = pages.iter().flat_map(ids).collect();
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
    let q = format!("q={}", "x".repeat(201));
    app.get(&format!("/api/v1/search?{q}"), a.token())
        .await
        .assert_problem(422, "validation_failed");
    // A query without a word matches nothing.
    let punctuation = app.get("/api/v1/search?q=%21%21%21", a.token()).await;
    assert_eq!(punctuation.status, 200, "{:?}", punctuation.json);
    assert!(ids(&punctuation.json).is_empty());
    // A period ending before it starts is refused, naming `from`.
    let backwards = app
        .get(
            "/api/v1/search?q=gearbox&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            a.token(),
        )
        .await;
    backwards.assert_problem(422, "validation_failed");
    let errors = backwards.json["errors"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        errors
            .iter()
            .any(|e| e["field"] == "from" && e["code"] == "invalid_range"),
        "{}",
        backwards.text
    );
    // The same instant at both ends is a valid (empty) period.
    app.get(
        "/api/v1/search?q=gearbox&from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
        a.token(),
    )
    .await
    .assert_status(200);
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
    let (admin, member) = app.admin_and_member("admin", "member").await;
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

/// Polls `path` until `done` holds, within `deadline` (then fails).
async fn within(
    app: &TestApp,
    deadline: Duration,
    path: &str,
    token: Option<&str>,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let end = tokio::time::Instant::now() + deadline;
    loop {
        let resp = app.get(path, token).await;
        resp.assert_status(200);
        if done(&resp.json) {
            return resp.json;
        }
        assert!(
            tokio::time::Instant::now() < end,
            "not within {deadline:?} for {path}: {}",
            resp.text
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub fn use_case(title: &str, industry: &str, problem: &str) -> Value {
    json!({
        "title": title,
        "industry": industry,
        "technology": ["Vision", "Edge"],
        "problem_statement": problem,
        "solution": "Cameras over the line and a model on an edge box.",
        "outcomes": {"cost_savings": "18%", "extra": {"scrap": "-40%"}},
        "vendor_info": {"name": "Optiq"},
        "location": {"city": "Dammam"},
        "tags": ["Quality"],
    })
}

/// Creates a use case (a draft); returns its id.
pub async fn create_use_case(app: &TestApp, token: Option<&str>, body: &Value) -> String {
    let resp = app.post("/api/v1/use-cases", token, body).await;
    resp.assert_status(201);
    resp.json["id"].as_str().unwrap().to_owned()
}

pub async fn publish_use_case(app: &TestApp, token: Option<&str>, id: &str) {
    app.post(
        &format!("/api/v1/use-cases/{id}/publish"),
        token,
        &json!({}),
    )
    .await
    .assert_status(200);
}

#[tokio::test]
async fn use_cases_are_searchable_with_draft_visibility_filters_typos_and_deletion() {
    let app = TestApp::spawn().await;
    let (a, a2) = app.admin_and_member("uc-a", "uc-a2").await;
    let b = app.signup(&unique_email("uc-b")).await;
    let published = create_use_case(
        &app,
        a.token(),
        &use_case(
            "Extrusion die inspection",
            "Plastics",
            "Surface defects on extruded profiles found too late.",
        ),
    )
    .await;
    let draft = create_use_case(
        &app,
        a.token(),
        &use_case(
            "Granulator blade wear",
            "Plastics",
            "Blades dull unevenly; regrind quality drops.",
        ),
    )
    .await;

    // Published: found by everyone, by title and body words. The indexer
    // takes it within a second; the bound is generous for a loaded CI machine
    // (speed belongs to the benchmarks, not to the tests).
    publish_use_case(&app, a.token(), &published).await;
    let path = "/api/v1/search/use-cases?q=extrusion";
    let found = within(&app, Duration::from_secs(10), path, b.token(), |r| {
        ids(r).contains(&published)
    })
    .await;
    let hit = &found["items"][0];
    assert_eq!(hit["kind"], "use_case");
    assert_eq!(hit["title"], "Extrusion die inspection");
    assert_eq!(hit["organization_id"], a.org_id.as_str());
    assert_eq!(hit["author_id"], a.user_id.as_str());
    let body = app.get("/api/v1/search?q=profiles", b.token()).await;
    assert_eq!(ids(&body.json), vec![published.clone()], "{}", body.text);

    // The draft: its organization finds it, another organization never does.
    until(&app, "/api/v1/search?q=granulator", a2.token(), |r| {
        ids(r) == vec![draft.clone()]
    })
    .await;
    for q in ["granulator", "regrind", "blade%20wear"] {
        let body = app.get(&format!("/api/v1/search?q={q}"), b.token()).await;
        assert!(ids(&body.json).is_empty(), "{q}: {}", body.text);
    }

    // Industry filter (case-insensitive), tag, and the use-case endpoint only.
    let body = app
        .get(
            "/api/v1/search/use-cases?q=cameras&industry=plastics",
            a.token(),
        )
        .await;
    assert_eq!(ids(&body.json).len(), 2, "{}", body.text);
    let body = app
        .get(
            "/api/v1/search/use-cases?q=cameras&industry=Energy",
            a.token(),
        )
        .await;
    assert!(ids(&body.json).is_empty(), "{}", body.text);
    let body = app
        .get(
            "/api/v1/search?q=cameras&tag=quality&kind=use_case",
            b.token(),
        )
        .await;
    assert_eq!(ids(&body.json), vec![published.clone()], "{}", body.text);
    let body = app
        .get("/api/v1/search/forums?q=extrusion", b.token())
        .await;
    assert!(ids(&body.json).is_empty(), "{}", body.text);

    // One typo in a use-case word (also in a short word whose trigrams mostly
    // differ: "otpiq"); the technology, city and vendor are indexed too.
    for q in ["extrsuion", "inspektion", "otpiq", "dammam%20vision"] {
        let body = app.get(&format!("/api/v1/search?q={q}"), b.token()).await;
        assert!(ids(&body.json).contains(&published), "{q}: {}", body.text);
    }

    // A rebuild from the stores keeps both, with the same visibility.
    let counts = app
        .state()
        .services
        .discovery
        .indexer
        .reindex()
        .await
        .unwrap();
    assert!(
        counts.contains(&(p2p_search::Kind::UseCase, 2)),
        "{counts:?}"
    );
    let body = app.get("/api/v1/search?q=granulator", b.token()).await;
    assert!(ids(&body.json).is_empty(), "{}", body.text);
    let body = app.get("/api/v1/search?q=granulator", a2.token()).await;
    assert_eq!(ids(&body.json), vec![draft.clone()], "{}", body.text);

    // Deleting removes the hit.
    app.delete(&format!("/api/v1/use-cases/{published}"), a.token())
        .await
        .assert_status(204);
    until(&app, "/api/v1/search?q=extrusion", b.token(), |r| {
        ids(r).is_empty()
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn renaming_a_topic_retitles_its_posts() {
    let app = TestApp::spawn().await;
    let asker = app.signup(&unique_email("rename")).await;
    let helper = app.signup(&unique_email("rename-helper")).await;
    let topic_id = topic(
        &app,
        asker.token(),
        "Coolant foaming",
        "Foam spills over the sump.",
        &["coolant"],
    )
    .await;
    let reply_id = reply(
        &app,
        helper.token(),
        &topic_id,
        "Try a silicone-free defoamer.",
    )
    .await;
    until(
        &app,
        "/api/v1/search/forums?q=defoamer",
        asker.token(),
        |b| ids(b) == vec![reply_id.clone()],
    )
    .await;

    app.patch(
        &format!("/api/v1/forums/topics/{topic_id}"),
        asker.token(),
        &json!({"title": "Coolant foaming in surface grinders", "tags": ["grinding"]}),
    )
    .await
    .assert_status(200);
    let found = until(
        &app,
        "/api/v1/search/forums?q=defoamer",
        asker.token(),
        |b| b["items"][0]["title"] == "Coolant foaming in surface grinders",
    )
    .await;
    assert_eq!(found["items"][0]["id"], reply_id.as_str());
    // The post is found by the new title word and the new tag, not the old tag.
    let body = app
        .get("/api/v1/search/forums?q=grinders&kind=post", asker.token())
        .await;
    assert_eq!(ids(&body.json), vec![reply_id.clone()], "{}", body.text);
    let body = app
        .get(
            "/api/v1/search/forums?q=defoamer&tag=grinding",
            asker.token(),
        )
        .await;
    assert_eq!(ids(&body.json), vec![reply_id.clone()], "{}", body.text);
    let body = app
        .get(
            "/api/v1/search/forums?q=defoamer&tag=coolant",
            asker.token(),
        )
        .await;
    assert!(ids(&body.json).is_empty(), "{}", body.text);
    app.stop().await;
}
