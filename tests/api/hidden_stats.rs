//! Organization statistics leave out what moderators hid: hidden topics
//! (with their posts), hidden posts and hidden use cases drop out of the
//! totals and the per-day activity, and come back when unhidden; the
//! dashboard's organization counts follow.

use crate::moderation::{report, resolve, unhide};
use crate::realtime_replay::{create_topic, reply};
use crate::search::{create_use_case, publish_use_case, until, use_case};
use p2p_tests::{Session, TestApp};
use serde_json::Value;

const STATS: &str = "/api/v1/organizations/stats";

/// (topics, posts, use cases, today's activity) of the caller's organization.
async fn org_stats(app: &TestApp, who: &Session) -> (u64, u64, u64, u64) {
    let resp = app.get(STATS, who.token()).await;
    resp.assert_status(200);
    let s = &resp.json;
    let today = s["activity"].as_array().unwrap().last().unwrap();
    let n = |v: &Value| v.as_u64().unwrap();
    (
        n(&s["topics"]),
        n(&s["posts"]),
        n(&s["use_cases"]),
        n(&today["count"]),
    )
}

/// Has `moderator` hide `target` on `reporter`'s report.
async fn hide(app: &TestApp, reporter: &Session, moderator: &Session, kind: &str, target: &str) {
    let filed = report(app, reporter, kind, target).await;
    filed.assert_status(201);
    let id = filed.json["id"].as_str().unwrap().to_owned();
    resolve(app, moderator, &id, "hide")
        .await
        .assert_status(200);
}

#[tokio::test]
async fn hidden_content_leaves_the_organization_statistics() {
    let app = TestApp::spawn().await;
    let (admin_a, member_a) = app.admin_and_member("stats-admin", "stats-member").await;
    let (_, member_b) = app.admin_and_member("other-admin", "other-member").await;
    let kept = create_topic(&app, &member_a, "صيانة الضواغط", "ما الذي ينجح؟").await;
    let spam = create_topic(&app, &member_a, "Cheap pumps, call now", "Buy now").await;
    let post = reply(&app, &member_a, &kept, "Visit my shop").await;
    let body = use_case("Vision QA for castings", "Foundry", "Porosity escapes.");
    let uc = create_use_case(&app, member_a.token(), &body).await;
    publish_use_case(&app, member_a.token(), &uc).await;
    // Two topics, their first posts and a reply, a use case: six items today.
    assert_eq!(org_stats(&app, &admin_a).await, (2, 3, 1, 6));
    until(&app, "/api/v1/dashboard/stats", member_a.token(), |s| {
        s["organization"]["topics"] == 2 && s["organization"]["use_cases"] == 1
    })
    .await;

    hide(&app, &member_b, &admin_a, "topic", &spam).await;
    hide(&app, &member_b, &admin_a, "post", &post).await;
    hide(&app, &member_b, &admin_a, "use_case", &uc).await;
    // What is left: the kept topic and its first post.
    assert_eq!(org_stats(&app, &admin_a).await, (1, 1, 0, 2));
    assert_eq!(
        org_stats(&app, &member_a).await,
        (1, 1, 0, 2),
        "the author too"
    );
    // A user whose dashboard was never cached sees the same counts.
    let dashboard = until(&app, "/api/v1/dashboard/stats", admin_a.token(), |s| {
        s["organization"]["topics"] == 1
    })
    .await;
    assert_eq!(dashboard["organization"]["posts"], 1, "{dashboard}");
    assert_eq!(dashboard["organization"]["use_cases"], 0, "{dashboard}");

    // Unhidden, the topic counts again with its first post.
    unhide(&app, &admin_a, "topic", &spam)
        .await
        .assert_status(200);
    assert_eq!(org_stats(&app, &admin_a).await, (2, 2, 0, 4));
    app.stop().await;
}
