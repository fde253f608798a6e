//! `GET /api/v1/organizations/audit-log`: who did what in the organization
//! (invitations, pins, locks, deletions by admins, moderation), newest
//! first, paginated, for its admins only.

use crate::realtime_replay::{create_topic, reply};
use crate::search::{create_use_case, publish_use_case, use_case};
use p2p_tests::TestApp;
use serde_json::{Value, json};

const LOG: &str = "/api/v1/organizations/audit-log";

fn actions(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["action"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn admins_read_who_did_what_newest_first() {
    let app = TestApp::spawn().await;
    let (admin, member) = app.admin_and_member("audit-admin", "audit-member").await;
    let (other_admin, other_member) = app.admin_and_member("other-admin", "other-member").await;
    let topic = create_topic(&app, &member, "Welding fume extraction", "Arms or hoods?").await;
    let post = reply(&app, &member, &topic, "Off-topic advert").await;
    let own = reply(&app, &admin, &topic, "My own reply").await;

    for (path, body) in [
        ("pin", json!({"pinned": true})),
        ("lock", json!({"locked": true})),
        ("lock", json!({"locked": false})),
    ] {
        app.post(
            &format!("/api/v1/forums/topics/{topic}/{path}"),
            admin.token(),
            &body,
        )
        .await
        .assert_status(200);
    }
    app.delete(&format!("/api/v1/forums/posts/{post}"), admin.token())
        .await
        .assert_status(204);
    // Deleting one's own content is not an admin action.
    app.delete(&format!("/api/v1/forums/posts/{own}"), admin.token())
        .await
        .assert_status(204);
    let uc = create_use_case(
        &app,
        member.token(),
        &use_case("Cobot palletizing", "Food", "Back injuries."),
    )
    .await;
    publish_use_case(&app, member.token(), &uc).await;
    let filed = app
        .post(
            "/api/v1/reports",
            other_member.token(),
            &json!({"target_type": "use_case", "target_id": uc, "reason": "off_topic"}),
        )
        .await;
    filed.assert_status(201);
    let report = filed.json["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/moderation/reports/{report}/resolve"),
        admin.token(),
        &json!({"action": "hide"}),
    )
    .await
    .assert_status(200);
    app.post(
        &format!("/api/v1/moderation/use_case/{uc}/unhide"),
        admin.token(),
        &json!({}),
    )
    .await
    .assert_status(200);

    let log = app.get(LOG, admin.token()).await;
    log.assert_status(200);
    assert_eq!(
        actions(&log.json),
        [
            "content_unhidden",
            "content_hidden",
            "report_resolved",
            "content_deleted_by_admin",
            "topic_unlocked",
            "topic_locked",
            "topic_pinned",
            "invitation_sent",
        ],
        "{}",
        log.text
    );
    let first = &log.json["items"][0];
    assert_eq!(first["actor"]["id"], admin.user_id.as_str(), "{first}");
    assert_eq!(first["target_type"], "use_case");
    assert_eq!(first["target_id"], uc.as_str());
    assert!(
        first["at"].is_string() && first["id"].is_string(),
        "{first}"
    );
    let deletion = &log.json["items"][3];
    assert_eq!(deletion["target_id"], post.as_str());
    assert_eq!(deletion["details"]["title"], "Welding fume extraction");
    assert_eq!(log.json["items"][2]["details"]["action"], "hide");

    // Paginated like every list.
    let pages = app
        .all_pages(&format!("{LOG}?limit=2"), admin.token())
        .await;
    let seen: Vec<String> = pages.iter().flat_map(actions).collect();
    assert_eq!((pages.len(), seen), (4, actions(&log.json)));
    app.get(&format!("{LOG}?limit=0"), admin.token())
        .await
        .assert_problem(422, "validation_failed");
    // Members may not read it; another organization sees only its own log.
    app.get(LOG, member.token())
        .await
        .assert_problem(403, "forbidden");
    let theirs = app.get(LOG, other_admin.token()).await;
    theirs.assert_status(200);
    assert_eq!(
        actions(&theirs.json),
        ["invitation_sent"],
        "{}",
        theirs.text
    );
    app.get(LOG, None).await.assert_status(401);
}
