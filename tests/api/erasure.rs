//! `DELETE /users/me`: a person erases their account; what they wrote stays,
//! by a deleted user.

use crate::files::{multipart, png};
use crate::search::until;
use p2p_tests::{PASSWORD, TestApp, unique_email};
use serde_json::json;

async fn erase(app: &TestApp, token: Option<&str>, password: &str) -> p2p_tests::Response {
    app.request(
        reqwest::Method::DELETE,
        "/api/v1/users/me",
        token,
        Some(&json!({ "password": password })),
    )
    .await
}

#[tokio::test]
async fn an_erased_account_keeps_its_content_without_its_person() {
    let app = TestApp::spawn().await;
    let (admin, member) = app.admin_and_member("erase-admin", "erase-member").await;
    app.patch(
        "/api/v1/users/me",
        member.token(),
        &json!({"first_name": "Zubaida", "last_name": "Qurashi", "job_title": "Welder", "bio": "Orbital welding"}),
    )
    .await
    .assert_status(200);
    let (ct, body) = multipart("me.png", "image/png", &png(2_000));
    let avatar = app
        .client
        .put(app.url("/api/v1/users/me/avatar"))
        .bearer_auth(&member.access)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    let avatar = TestApp::read(avatar).await;
    avatar.assert_status(200);
    let avatar_path = crate::files::api_path(avatar.json["avatar_url"].as_str().unwrap());
    assert_eq!(app.get(&avatar_path, None).await.status, 302);
    let topic = app
        .post(
            "/api/v1/forums/topics",
            member.token(),
            &json!({"title": "Orbital welding of thin tubes", "content": "What gas mix do you use?"}),
        )
        .await;
    topic.assert_status(201);
    let topic_path = format!(
        "/api/v1/forums/topics/{}",
        topic.json["topic"]["id"].as_str().unwrap()
    );
    until(&app, "/api/v1/search/users?q=Zubaida", admin.token(), |b| {
        crate::search::ids(b).contains(&member.user_id)
    })
    .await;

    // The password is the proof; a wrong one changes nothing.
    erase(&app, member.token(), "not-the-password-1")
        .await
        .assert_problem(403, "invalid_credentials");
    erase(&app, None, PASSWORD).await.assert_status(401);
    erase(&app, member.token(), PASSWORD)
        .await
        .assert_status(204);

    // Signed out everywhere, and the address no longer signs in.
    app.get("/api/v1/users/me", member.token())
        .await
        .assert_status(401);
    app.refresh(&member.refresh).await.assert_status(401);
    app.login(&member.email, PASSWORD).await.assert_status(401);
    // The avatar is gone from storage.
    assert_eq!(app.get(&avatar_path, None).await.status, 404);
    // The profile says nothing about the person.
    let profile = app
        .get(&format!("/api/v1/users/{}", member.user_id), admin.token())
        .await;
    profile.assert_status(200);
    assert_eq!(profile.json["first_name"], "", "{}", profile.text);
    assert_eq!(profile.json["last_name"], "");
    assert_eq!(profile.json["erased"], true);
    assert_eq!(profile.json["is_active"], false);
    assert!(profile.json["job_title"].is_null() && profile.json["bio"].is_null());
    assert!(profile.json["avatar_url"].is_null());
    assert!(!profile.text.contains(&member.email), "{}", profile.text);
    // What they wrote stays, by a deleted user.
    let kept = app.get(&topic_path, admin.token()).await;
    kept.assert_status(200);
    assert!(!kept.text.contains("Zubaida"), "{}", kept.text);
    assert!(!kept.text.contains(&member.email), "{}", kept.text);
    // Search forgets the name.
    until(&app, "/api/v1/search/users?q=Zubaida", admin.token(), |b| {
        !crate::search::ids(b).contains(&member.user_id)
    })
    .await;
    // The address is free for a new account.
    app.signup(&member.email).await;
    app.stop().await;
}

#[tokio::test]
async fn the_last_admin_of_an_organization_with_members_cannot_leave() {
    let app = TestApp::spawn().await;
    let (admin, member) = app.admin_and_member("erase-owner", "erase-staff").await;
    erase(&app, admin.token(), PASSWORD)
        .await
        .assert_problem(409, "last_admin");
    app.get("/api/v1/users/me", admin.token())
        .await
        .assert_status(200);
    // Once the member is gone the admin is alone and may leave.
    erase(&app, member.token(), PASSWORD)
        .await
        .assert_status(204);
    erase(&app, admin.token(), PASSWORD)
        .await
        .assert_status(204);
    let alone = app.signup(&unique_email("erase-alone")).await;
    erase(&app, alone.token(), PASSWORD)
        .await
        .assert_status(204);
    app.stop().await;
}
