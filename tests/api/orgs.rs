//! The caller's organization: details, members, stats.

use p2p_tests::{TestApp, unique_email};
use serde_json::json;

#[tokio::test]
async fn organization_details_members_and_stats() {
    let app = TestApp::spawn().await;
    let (admin, member) = app.admin_and_member("owner", "staff").await;

    let current = app
        .get("/api/v1/organizations/current", member.token())
        .await;
    current.assert_status(200);
    assert_eq!(current.json["id"], admin.org_id.as_str());
    assert_eq!(current.json["member_count"], 2);

    app.patch(
        "/api/v1/organizations/current",
        member.token(),
        &json!({"city": "Jubail"}),
    )
    .await
    .assert_problem(403, "forbidden");
    let updated = app
        .patch(
            "/api/v1/organizations/current",
            admin.token(),
            &json!({"city": "Jubail", "industry": "Steel"}),
        )
        .await;
    updated.assert_status(200);
    assert_eq!(updated.json["city"], "Jubail");

    let members = app
        .get("/api/v1/organizations/members?limit=1", member.token())
        .await;
    members.assert_status(200);
    assert_eq!(members.json["items"].as_array().unwrap().len(), 1);
    let cursor = members.json["next_cursor"]
        .as_str()
        .expect("a second page")
        .to_owned();
    let second = app
        .get(
            &format!("/api/v1/organizations/members?limit=1&cursor={cursor}"),
            member.token(),
        )
        .await;
    assert_eq!(second.json["items"].as_array().unwrap().len(), 1);
    assert_ne!(second.json["items"][0], members.json["items"][0]);
    assert!(second.json["next_cursor"].is_null());
    app.get("/api/v1/organizations/members?limit=500", member.token())
        .await
        .assert_problem(422, "validation_failed");
    app.get("/api/v1/organizations/members?limit=abc", member.token())
        .await
        .assert_problem(422, "validation_failed");

    let stats = app.get("/api/v1/organizations/stats", admin.token()).await;
    stats.assert_status(200);
    assert_eq!(stats.json["members"], 2);
    assert_eq!(stats.json["activity"].as_array().unwrap().len(), 30);

    // Another organization sees its own, never this one's.
    let stranger = app.signup(&unique_email("stranger")).await;
    let theirs = app
        .get("/api/v1/organizations/current", stranger.token())
        .await;
    assert_ne!(theirs.json["id"], admin.org_id.as_str());
    app.stop().await;
}
