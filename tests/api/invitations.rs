//! Invitations: they belong to the admin who sent them.

use p2p_tests::{PASSWORD, Session, TestApp, unique_email};
use serde_json::json;

/// `who` invites `email` as `role`; returns the token of the emailed link.
async fn invite(app: &TestApp, who: &Session, email: &str, role: &str) -> String {
    app.post(
        "/api/v1/users/invite",
        who.token(),
        &json!({"email": email, "role": role}),
    )
    .await
    .assert_status(201);
    app.token_from_email(email, 1, "/accept-invite").await
}

async fn accept(app: &TestApp, token: &str) -> p2p_tests::Response {
    app.post(
        "/api/v1/auth/accept-invite",
        None,
        &json!({"token": token, "password": PASSWORD, "first_name": "Faisal", "last_name": "Otaibi"}),
    )
    .await
}

#[tokio::test]
async fn demoting_or_deactivating_an_admin_revokes_their_pending_invitations() {
    let app = TestApp::spawn().await;
    let owner = app.signup(&unique_email("inv-owner")).await;
    let demoted = app
        .invite_and_join(&owner, &unique_email("inv-demoted"), "admin")
        .await;
    let deactivated = app
        .invite_and_join(&owner, &unique_email("inv-deactivated"), "admin")
        .await;
    let both = app
        .invite_and_join(&owner, &unique_email("inv-both"), "admin")
        .await;
    let by_demoted = invite(&app, &demoted, &unique_email("inv-x1"), "admin").await;
    let by_deactivated = invite(&app, &deactivated, &unique_email("inv-x2"), "admin").await;
    let by_both = invite(&app, &both, &unique_email("inv-x3"), "admin").await;
    let by_owner = invite(&app, &owner, &unique_email("inv-x4"), "member").await;

    let user_path = |s: &Session| format!("/api/v1/users/{}", s.user_id);
    app.patch(
        &user_path(&demoted),
        owner.token(),
        &json!({"role": "member"}),
    )
    .await
    .assert_status(200);
    app.delete(&user_path(&deactivated), owner.token())
        .await
        .assert_status(204);
    app.patch(&user_path(&both), owner.token(), &json!({"role": "member"}))
        .await
        .assert_status(200);
    app.delete(&user_path(&both), owner.token())
        .await
        .assert_status(204);

    for token in [&by_demoted, &by_deactivated, &by_both] {
        accept(&app, token)
            .await
            .assert_problem(410, "invitation_revoked");
    }
    // Invitations of admins who stay admins still work.
    let joined = accept(&app, &by_owner).await;
    joined.assert_status(201);
    assert_eq!(joined.json["user"]["role"], "member");
    app.stop().await;
}
