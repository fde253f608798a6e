//! What is left of a person who left: author summaries of an erased account
//! say `erased: true` (no name, no handle: clients show a neutral name);
//! earlier avatar pictures do not outlive their replacement nor the account;
//! invitations withdrawn because their admin stopped being one are in the
//! audit log.

use crate::files::{api_path, multipart, png};
use p2p_tests::{PASSWORD, Session, TestApp, unique_email};
use serde_json::json;

async fn upload_avatar(app: &TestApp, who: &Session, size: usize) -> String {
    let (ct, body) = multipart("me.png", "image/png", &png(size));
    let resp = app
        .client
        .put(app.url("/api/v1/users/me/avatar"))
        .bearer_auth(&who.access)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    let resp = TestApp::read(resp).await;
    resp.assert_status(200);
    api_path(resp.json["avatar_url"].as_str().unwrap())
}

#[tokio::test]
async fn an_erased_author_is_flagged_and_leaves_no_picture_behind() {
    let app = TestApp::spawn().await;
    let (admin, member) = app.admin_and_member("flag-admin", "flag-member").await;
    let first = upload_avatar(&app, &member, 2_000).await;
    assert_eq!(app.get(&first, None).await.status, 302);
    let second = upload_avatar(&app, &member, 3_000).await;
    assert_ne!(first, second);
    // The replaced picture is gone; the profile's is served.
    assert_eq!(app.get(&first, None).await.status, 404);
    assert_eq!(app.get(&second, None).await.status, 302);

    let topic = app
        .post(
            "/api/v1/forums/topics",
            member.token(),
            &json!({"title": "صيانة الضواغط", "content": "Vibration analysis كل كم شهر؟"}),
        )
        .await;
    topic.assert_status(201);
    let topic_id = topic.json["topic"]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/forums/topics/{topic_id}");
    let before = app.get(&path, admin.token()).await;
    assert_eq!(
        before.json["topic"]["author"]["erased"], false,
        "{}",
        before.text
    );
    assert_eq!(
        before.json["topic"]["author"]["display_name"],
        "Omar Qahtani"
    );

    app.request(
        reqwest::Method::DELETE,
        "/api/v1/users/me",
        member.token(),
        Some(&json!({ "password": PASSWORD })),
    )
    .await
    .assert_status(204);
    assert_eq!(app.get(&second, None).await.status, 404);
    let after = app.get(&path, admin.token()).await;
    after.assert_status(200);
    let author = &after.json["topic"]["author"];
    assert_eq!(author["erased"], true, "{}", after.text);
    assert_eq!(author["display_name"], "", "{}", after.text);
    assert_eq!(author["handle"], "", "{}", after.text);
    assert_eq!(author["is_active"], false, "{}", after.text);
    app.stop().await;
}

#[tokio::test]
async fn invitations_withdrawn_with_their_admin_are_audited() {
    let app = TestApp::spawn().await;
    let admin = app.signup(&unique_email("audit-owner")).await;
    let deputy = app
        .invite_and_join(&admin, &unique_email("audit-deputy"), "admin")
        .await;
    let invitee = unique_email("audit-invitee");
    let sent = app
        .post(
            "/api/v1/users/invite",
            deputy.token(),
            &json!({"email": invitee, "role": "member"}),
        )
        .await;
    sent.assert_status(201);
    let invitation = sent.json["id"].as_str().unwrap().to_owned();

    app.patch(
        &format!("/api/v1/users/{}", deputy.user_id),
        admin.token(),
        &json!({"role": "member"}),
    )
    .await
    .assert_status(200);

    let log = app
        .get("/api/v1/organizations/audit-log?limit=100", admin.token())
        .await;
    log.assert_status(200);
    let items = log.json["items"].as_array().cloned().unwrap_or_default();
    let revoked: Vec<_> = items
        .iter()
        .filter(|i| i["action"] == "invitation_revoked")
        .collect();
    assert_eq!(revoked.len(), 1, "{}", log.text);
    let entry = revoked[0].to_string();
    assert!(entry.contains(&invitation), "{entry}");
    assert!(entry.contains("inviter_demoted"), "{entry}");
    assert!(entry.contains(&admin.user_id), "who withdrew it: {entry}");
    // The link is dead, as before.
    let token = app.token_from_email(&invitee, 1, "/accept-invite").await;
    app.post(
        "/api/v1/auth/accept-invite",
        None,
        &json!({"token": token, "password": PASSWORD, "first_name": "A", "last_name": "B"}),
    )
    .await
    .assert_problem(410, "invitation_revoked");
    app.stop().await;
}
