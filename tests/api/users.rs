//! Members, invitations, roles, deactivation and the organization boundary.

use p2p_tests::{PASSWORD, TestApp, unique_email};
use serde_json::json;

#[tokio::test]
async fn invitation_joins_the_inviting_organization_with_its_role() {
    let app = TestApp::spawn().await;
    let admin = app.signup(&unique_email("admin")).await;
    let member_email = unique_email("member");
    let member = app.invite_and_join(&admin, &member_email, "member").await;
    assert_eq!(member.org_id, admin.org_id);
    assert_eq!(member.body["user"]["role"], "member");
    assert_eq!(member.body["user"]["email_verified"], true);

    let members = app.get("/api/v1/users", admin.token()).await;
    members.assert_status(200);
    assert_eq!(members.json["items"].as_array().unwrap().len(), 2);
    // Members cannot do admin things.
    app.get("/api/v1/users", member.token())
        .await
        .assert_problem(403, "forbidden");
    app.post(
        "/api/v1/users/invite",
        member.token(),
        &json!({"email": unique_email("x"), "role": "member"}),
    )
    .await
    .assert_problem(403, "forbidden");
    // An invitation token works once.
    app.post(
        "/api/v1/users/invite",
        admin.token(),
        &json!({"email": member_email, "role": "member"}),
    )
    .await
    .assert_status(409);
    app.stop().await;
}

#[tokio::test]
async fn admins_manage_only_their_own_organization() {
    let app = TestApp::spawn().await;
    let (admin_a, member_a) = app.admin_and_member("a", "ma").await;
    let admin_b = app.signup(&unique_email("b")).await;

    // Profiles are public across the platform, without the email.
    let public = app
        .get(
            &format!("/api/v1/users/{}", member_a.user_id),
            admin_b.token(),
        )
        .await;
    public.assert_status(200);
    assert!(public.json["email"].is_null(), "{}", public.text);
    let colleague = app
        .get(
            &format!("/api/v1/users/{}", member_a.user_id),
            admin_a.token(),
        )
        .await;
    assert_eq!(colleague.json["email"], member_a.email.as_str());

    // Another organization's admin cannot change or deactivate them.
    let patch = app
        .patch(
            &format!("/api/v1/users/{}", member_a.user_id),
            admin_b.token(),
            &json!({"role": "admin"}),
        )
        .await;
    assert!(matches!(patch.status, 403 | 404), "{}", patch.text);
    assert!(
        patch.json.get("role").is_none(),
        "no data leaks: {}",
        patch.text
    );
    let delete = app
        .delete(
            &format!("/api/v1/users/{}", member_a.user_id),
            admin_b.token(),
        )
        .await;
    assert!(matches!(delete.status, 403 | 404), "{}", delete.text);
    app.get("/api/v1/users/me", member_a.token())
        .await
        .assert_status(200);
    // Unknown and malformed ids.
    app.get(
        &format!("/api/v1/users/{}", uuid::Uuid::new_v4()),
        admin_b.token(),
    )
    .await
    .assert_problem(404, "not_found");
    app.get("/api/v1/users/not-a-uuid", admin_b.token())
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}

#[tokio::test]
async fn the_last_admin_cannot_step_down() {
    let app = TestApp::spawn().await;
    let admin = app.signup(&unique_email("solo")).await;
    app.patch(
        &format!("/api/v1/users/{}", admin.user_id),
        admin.token(),
        &json!({"role": "member"}),
    )
    .await
    .assert_problem(409, "last_admin");
    app.delete(&format!("/api/v1/users/{}", admin.user_id), admin.token())
        .await
        .assert_problem(409, "last_admin");
    app.stop().await;
}

#[tokio::test]
async fn deactivation_and_role_changes_take_effect_at_once() {
    let app = TestApp::spawn().await;
    let (admin, member) = app.admin_and_member("boss", "worker").await;

    // Promotion: the old token stops working; a refreshed one carries the new role.
    app.patch(
        &format!("/api/v1/users/{}", member.user_id),
        admin.token(),
        &json!({"role": "admin"}),
    )
    .await
    .assert_status(200);
    app.get("/api/v1/users", member.token())
        .await
        .assert_status(401);
    let refreshed = app.refresh(&member.refresh).await;
    refreshed.assert_status(200);
    let promoted = refreshed.json["access_token"].as_str().unwrap().to_owned();
    app.get("/api/v1/users", Some(&promoted))
        .await
        .assert_status(200);

    // Deactivation: every session ends, login is refused, the profile stays.
    app.delete(&format!("/api/v1/users/{}", member.user_id), admin.token())
        .await
        .assert_status(204);
    app.get("/api/v1/users/me", Some(&promoted))
        .await
        .assert_status(401);
    app.login(&member.email, PASSWORD)
        .await
        .assert_problem(401, "invalid_credentials");
    let profile = app
        .get(&format!("/api/v1/users/{}", member.user_id), admin.token())
        .await;
    profile.assert_status(200);
    assert_eq!(profile.json["is_active"], false);
    app.stop().await;
}

#[tokio::test]
async fn profile_updates_are_validated() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("profile")).await;
    let ok = app
        .patch(
            "/api/v1/users/me",
            me.token(),
            &json!({"job_title": "Quality lead", "bio": "Welding QA"}),
        )
        .await;
    ok.assert_status(200);
    assert_eq!(ok.json["job_title"], "Quality lead");
    let bad = app
        .patch(
            "/api/v1/users/me",
            me.token(),
            &json!({"first_name": "", "bio": "x".repeat(5000)}),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    let fields: Vec<&str> = bad.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"first_name") && fields.contains(&"bio"),
        "{fields:?}"
    );
    let unchanged = app.get("/api/v1/users/me", me.token()).await;
    assert_eq!(
        unchanged.json["job_title"], "Quality lead",
        "a rejected patch changes nothing"
    );
    app.stop().await;
}

#[tokio::test]
async fn logout_on_one_instance_is_seen_by_another() {
    let Some((app, other)) = TestApp::spawn_pair().await else {
        return;
    };
    let me = app.signup(&unique_email("multi")).await;
    other
        .get("/api/v1/users/me", me.token())
        .await
        .assert_status(200);
    app.logout(&me).await.assert_status(204);
    other
        .get("/api/v1/users/me", me.token())
        .await
        .assert_status(401);
    other.stop().await;
    app.stop().await;
}
