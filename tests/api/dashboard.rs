//! Dashboard over HTTP: stats from seeded data, activity visibility and
//! paging, trending order and its explanation.

use crate::search::{create_use_case, ids, publish_use_case, until, use_case};
use p2p_tests::{TestApp, unique_email};
use serde_json::{Value, json};

async fn topic(app: &TestApp, token: Option<&str>, title: &str) -> (String, String) {
    let created = app
        .post(
            "/api/v1/forums/topics",
            token,
            &json!({"title": title, "content": "Details follow in the thread."}),
        )
        .await;
    created.assert_status(201);
    (
        created.json["topic"]["id"].as_str().unwrap().to_owned(),
        created.json["first_post"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
    )
}

async fn reply(app: &TestApp, token: Option<&str>, topic: &str, text: &str) -> String {
    let r = app
        .post(
            &format!("/api/v1/forums/topics/{topic}/posts"),
            token,
            &json!({"content": text}),
        )
        .await;
    r.assert_status(201);
    r.json["id"].as_str().unwrap().to_owned()
}

async fn upvote(app: &TestApp, token: Option<&str>, post: &str) {
    app.request(
        reqwest::Method::PUT,
        &format!("/api/v1/forums/posts/{post}/upvote"),
        token,
        None,
    )
    .await
    .assert_status(200);
}

#[tokio::test]
async fn stats_equal_counts_of_the_seeded_data() {
    let app = TestApp::spawn().await;
    let a = app.signup(&unique_email("a")).await;
    let a2 = app.invite_and_join(&a, &unique_email("a2"), "member").await;
    let b = app.signup(&unique_email("b")).await;
    let (t1, _) = topic(&app, a.token(), "Compressed air leaks").await;
    let (_t2, _) = topic(&app, a2.token(), "Forklift battery swaps").await;
    let r1 = reply(&app, b.token(), &t1, "Ultrasonic detector.").await;
    let r2 = reply(&app, b.token(), &t1, "Soap water works too.").await;
    let _r3 = reply(&app, a2.token(), &t1, "We log them weekly.").await;
    upvote(&app, a.token(), &r1).await;
    upvote(&app, a2.token(), &r1).await;
    upvote(&app, a.token(), &r2).await;
    app.post(
        &format!("/api/v1/forums/posts/{r1}/best-answer"),
        a.token(),
        &json!({}),
    )
    .await
    .assert_status(200);

    let expected_b = json!({"topics": 0, "posts": 2, "best_answers": 1, "upvotes_received": 3, "use_cases": 0, "use_case_views": 0});
    let expected_platform =
        json!({"users": 3, "organizations": 2, "topics": 2, "posts": 5, "use_cases": 0});
    let stats = until(&app, "/api/v1/dashboard/stats", b.token(), |s| {
        s["me"] == expected_b && s["platform"] == expected_platform
    })
    .await;
    assert_eq!(stats["organization"]["members"], 1);
    assert_eq!(stats["organization"]["posts"], 2);
    assert_eq!(stats["max_age_secs"], 5);

    let stats = until(&app, "/api/v1/dashboard/stats", a.token(), |s| {
        s["organization"]["posts"] == 3
    })
    .await;
    assert_eq!(
        stats["me"],
        json!({"topics": 1, "posts": 1, "best_answers": 0, "upvotes_received": 0, "use_cases": 0, "use_case_views": 0})
    );
    assert_eq!(
        stats["organization"],
        json!({"organization_id": a.org_id, "members": 2, "topics": 2, "posts": 3, "best_answers": 0, "upvotes_received": 0, "use_cases": 0, "use_case_views": 0})
    );
    app.get("/api/v1/dashboard/stats", None)
        .await
        .assert_status(401);
    app.stop().await;
}

#[tokio::test]
async fn activity_shows_what_the_caller_may_see_newest_first() {
    let app = TestApp::spawn().await;
    let a = app.signup(&unique_email("a")).await;
    let b = app.signup(&unique_email("b")).await;
    let a2 = app.invite_and_join(&a, &unique_email("a2"), "member").await;
    let (t, _) = topic(&app, b.token(), "Paint booth humidity").await;
    let r = reply(&app, a.token(), &t, "Dehumidifier on a timer.").await;

    let feed = until(&app, "/api/v1/dashboard/activity", a.token(), |f| {
        ids(f).contains(&r)
    })
    .await;
    let items = feed["items"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = items
        .iter()
        .map(|i| (i["type"].as_str().unwrap(), i["id"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("reply_created", r.as_str()),
            ("topic_created", t.as_str()),
            ("member_joined", a2.user_id.as_str()),
            ("member_joined", a.user_id.as_str()),
        ]
    );
    assert_eq!(items[0]["topic_id"], t.as_str());
    assert_eq!(items[0]["actor_id"], a.user_id.as_str());

    // B sees the forum activity and its own member, not A's new members.
    let feed = until(&app, "/api/v1/dashboard/activity", b.token(), |f| {
        ids(f).contains(&r)
    })
    .await;
    let seen = ids(&feed);
    assert!(seen.contains(&b.user_id));
    assert!(
        !seen.contains(&a.user_id) && !seen.contains(&a2.user_id),
        "{feed}"
    );

    // Pages of one: the same items, each once.
    let pages = app
        .all_pages("/api/v1/dashboard/activity?limit=1", b.token())
        .await;
    let paged: Vec<_> = pages.iter().flat_map(ids).collect();
    assert_eq!(paged, seen);
    app.get("/api/v1/dashboard/activity?limit=0", b.token())
        .await
        .assert_problem(422, "validation_failed");
    app.stop().await;
}

fn item<'a>(body: &'a Value, id: &str) -> &'a Value {
    body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["id"] == id))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn trending_ranks_engagement_and_explains_it() {
    let app = TestApp::spawn().await;
    let a = app.signup(&unique_email("a")).await;
    let b = app.signup(&unique_email("b")).await;
    let c = app.signup(&unique_email("c")).await;
    let (cold, _) = topic(&app, a.token(), "Pallet racking inspection").await;
    let (warm, _) = topic(&app, a.token(), "Conveyor belt tracking").await;
    let (hot, _) = topic(&app, a.token(), "Robot cell safety fences").await;
    reply(&app, b.token(), &warm, "Crowned pulleys.").await;
    let best = reply(&app, b.token(), &hot, "Light curtains.").await;
    reply(&app, c.token(), &hot, "Interlocked gates.").await;
    reply(&app, c.token(), &hot, "And a risk assessment.").await;
    upvote(&app, a.token(), &best).await;

    let body = until(&app, "/api/v1/dashboard/trending", a.token(), |t| {
        item(t, &hot)["components"]["upvotes"] == 1 && item(t, &warm)["components"]["replies"] == 1
    })
    .await;
    let order: Vec<String> = ids(&body)
        .into_iter()
        .filter(|id| [&hot, &warm, &cold].contains(&id))
        .collect();
    assert_eq!(
        order,
        vec![hot.clone(), warm.clone(), cold.clone()],
        "{body}"
    );

    // The explanation: replies + 2·upvotes + 3·(participants − 1), normalized
    // by the community mean, decayed by (age + 2)^gravity.
    let h = &item(&body, &hot)["components"];
    assert_eq!(h["replies"], 3);
    assert_eq!(h["participants"], 3);
    assert_eq!(h["engagement"], 3.0 + 2.0 + 6.0);
    let mean = h["community_mean"].as_f64().unwrap();
    let (e, age, g) = (
        h["engagement"].as_f64().unwrap(),
        h["age_hours"].as_f64().unwrap(),
        h["gravity"].as_f64().unwrap(),
    );
    let expected = (e / mean) / (age + 2.0).powf(g);
    assert!(
        (h["score"].as_f64().unwrap() - expected).abs() < 1e-3,
        "{h}"
    );
    assert_eq!(item(&body, &hot)["kind"], "topic");
    assert_eq!(item(&body, &cold)["components"]["engagement"], 0.0);
    app.stop().await;
}

#[tokio::test]
async fn use_cases_count_in_stats_activity_and_trending() {
    let app = TestApp::spawn().await;
    let (a, a2) = app.admin_and_member("uc-a", "uc-a2").await;
    let b = app.signup(&unique_email("uc-b")).await;
    let c = app.signup(&unique_email("uc-c")).await;
    let body = |title: &str| use_case(title, "Energy", "Transformer hot spots.");
    let published = create_use_case(&app, a.token(), &body("Thermal imaging rounds")).await;
    publish_use_case(&app, a.token(), &published).await;
    let draft = create_use_case(&app, a.token(), &body("Partial discharge sensors")).await;
    let (cold, _) = topic(&app, b.token(), "Cable tray labelling").await;

    // Two other users view the published use case (each counted once a day).
    for viewer in [&b, &c, &c] {
        app.get(&format!("/api/v1/use-cases/{published}"), viewer.token())
            .await
            .assert_status(200);
    }
    let expected_a = json!({"topics": 0, "posts": 0, "best_answers": 0, "upvotes_received": 0, "use_cases": 2, "use_case_views": 2});
    // The three scopes are separate index queries, so one answer may see an
    // indexing batch in one scope and not yet in another: wait for all three.
    let stats = until(&app, "/api/v1/dashboard/stats", a.token(), |s| {
        s["me"] == expected_a
            && s["organization"]["use_cases"] == 2
            && s["organization"]["use_case_views"] == 2
            && s["platform"]["use_cases"] == 1
    })
    .await;
    assert_eq!(stats["me"], expected_a, "{stats}");
    let stats = until(&app, "/api/v1/dashboard/stats", a2.token(), |s| {
        s["organization"]["use_case_views"] == 2 && s["organization"]["use_cases"] == 2
    })
    .await;
    assert_eq!(stats["me"]["use_cases"], 0);
    assert_eq!(stats["organization"]["use_cases"], 2);
    let stats = until(&app, "/api/v1/dashboard/stats", b.token(), |s| {
        s["platform"]["use_cases"] == 1
    })
    .await;
    assert_eq!(stats["organization"]["use_cases"], 0);

    // Activity: the published use case for everyone, never the draft.
    for who in [&a, &b] {
        let feed = until(&app, "/api/v1/dashboard/activity", who.token(), |f| {
            ids(f).contains(&published)
        })
        .await;
        assert!(!ids(&feed).contains(&draft), "{feed}");
        let entry = item(&feed, &published);
        assert_eq!(entry["type"], "use_case_published");
        assert_eq!(entry["kind"], "use_case");
        assert_eq!(entry["title"], "Thermal imaging rounds");
        assert_eq!(entry["actor_id"], a.user_id.as_str());
    }

    // Trending: the viewed use case above an idle topic, explained; no draft.
    let trending = until(&app, "/api/v1/dashboard/trending", c.token(), |t| {
        item(t, &published)["components"]["views"] == 2 && !item(t, &cold).is_null()
    })
    .await;
    let order = ids(&trending);
    assert!(!order.contains(&draft), "{trending}");
    let pos = |id: &str| order.iter().position(|x| x == id).unwrap();
    assert!(pos(&published) < pos(&cold), "{trending}");
    let entry = item(&trending, &published);
    assert_eq!(entry["kind"], "use_case");
    assert_eq!(entry["title"], "Thermal imaging rounds");
    let h = &entry["components"];
    assert_eq!(h["engagement"], 0.25 * 2.0);
    assert_eq!(h["replies"], 0);
    let (e, mean, age, g) = (
        h["engagement"].as_f64().unwrap(),
        h["community_mean"].as_f64().unwrap(),
        h["age_hours"].as_f64().unwrap(),
        h["gravity"].as_f64().unwrap(),
    );
    let expected = (e / mean) / (age + 2.0).powf(g);
    assert!(
        (h["score"].as_f64().unwrap() - expected).abs() < 1e-4,
        "{h}"
    );

    // Deleted: gone from the stats and the trending list.
    app.delete(&format!("/api/v1/use-cases/{published}"), a.token())
        .await
        .assert_status(204);
    until(&app, "/api/v1/dashboard/trending", c.token(), |t| {
        item(t, &published).is_null()
    })
    .await;
    until(&app, "/api/v1/dashboard/stats", a.token(), |s| {
        s["me"]["use_cases"] == 1 && s["me"]["use_case_views"] == 0
    })
    .await;
    app.stop().await;
}
