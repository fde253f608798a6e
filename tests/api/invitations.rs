//! Invitations: they belong to the admin who sent them.

use p2p_tests::{PASSWORD, Session, TestApp, unique_email};
use serde_json::json;

/// `who` invites `email` as `role`; returns the token of the emailed link.
async fn invite(app: &TestApp, who: &Session, email: &str, role: &str) -> String {
    invite_as(app, who, email, role).await.assert_status(201);
    app.token_from_email(email, 1, "/accept-invite").await
}

async fn invite_as(app: &TestApp, who: &Session, email: &str, role: &str) -> p2p_tests::Response {
    app.post(
        "/api/v1/users/invite",
        who.token(),
        &json!({"email": email, "role": role}),
    )
    .await
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

async fn invite_status(app: &TestApp, who: &Session, email: &str) -> p2p_tests::Response {
    invite_as(app, who, email, "member").await
}

#[tokio::test]
async fn invitations_are_limited_per_admin() {
    let app = TestApp::spawn().await;
    let owner = app.signup(&unique_email("inv-spam")).await;
    let colleague = app
        .invite_and_join(&owner, &unique_email("inv-spam-b"), "admin")
        .await;
    // The default: 20 per admin and hour, the invitation above included.
    for _ in 1..20 {
        invite_status(&app, &owner, &unique_email("inv-victim"))
            .await
            .assert_status(201);
    }
    let limited = invite_status(&app, &owner, &unique_email("inv-victim")).await;
    limited.assert_problem(429, "rate_limited");
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
    // Another admin of the organization has their own allowance.
    invite_status(&app, &colleague, &unique_email("inv-victim"))
        .await
        .assert_status(201);
    app.stop().await;
}

#[tokio::test]
async fn invitation_limits_per_organization_and_admin_are_configurable() {
    let app = TestApp::spawn_with(|raw| {
        raw.invite_limit.per_organization_per_hour = 3;
        raw.invite_limit.per_admin_per_hour = 2;
    })
    .await;
    let owner = app.signup(&unique_email("inv-conf")).await;
    let colleague = app
        .invite_and_join(&owner, &unique_email("inv-conf-b"), "admin")
        .await;
    invite_status(&app, &owner, &unique_email("inv-c"))
        .await
        .assert_status(201);
    invite_status(&app, &owner, &unique_email("inv-c"))
        .await
        .assert_problem(429, "rate_limited");
    invite_status(&app, &colleague, &unique_email("inv-c"))
        .await
        .assert_status(201);
    // The organization's 3 are used up, whoever asks.
    invite_status(&app, &colleague, &unique_email("inv-c"))
        .await
        .assert_problem(429, "rate_limited");
    app.stop().await;
}

#[tokio::test]
async fn invitation_emails_carry_no_link_of_the_inviters_choosing() {
    let app = TestApp::spawn().await;
    let phisher = app
        .signup_as(
            &unique_email("inv-phish"),
            "Support",
            "www.evil.example",
            "Visit http://evil.example/login",
        )
        .await;
    let victim = unique_email("inv-target");
    invite_status(&app, &phisher, &victim)
        .await
        .assert_status(201);
    let mail = app.emails_to(&victim, 1).await.remove(0);
    assert!(!mail.contains("evil.example"), "{mail}");
    assert!(mail.contains("http[:]//evil[.]example/login"), "{mail}");
    assert!(mail.contains("www[.]evil[.]example"), "{mail}");
    assert!(mail.contains("/accept-invite?token="), "{mail}");
    app.stop().await;
}

#[tokio::test]
async fn accepting_invitations_is_not_limited_per_address() {
    let app = TestApp::spawn().await;
    let owner = app.signup(&unique_email("inv-office")).await;
    // More people than signups allowed per address (10 an hour) join from one address.
    let mut tokens = Vec::new();
    for _ in 0..12 {
        tokens.push(invite(&app, &owner, &unique_email("inv-staff"), "member").await);
    }
    for token in &tokens {
        accept(&app, token).await.assert_status(201);
    }
    app.stop().await;
}

#[tokio::test]
async fn admins_list_revoke_and_resend_pending_invitations() {
    let app = TestApp::spawn().await;
    let (admin, member) = app
        .admin_and_member("inv-list-admin", "inv-list-member")
        .await;
    let other = app.signup(&unique_email("inv-list-other")).await;
    let (first, second) = (unique_email("inv-first"), unique_email("inv-second"));
    let first_token = invite(&app, &admin, &first, "member").await;
    let second_token = invite(&app, &admin, &second, "admin").await;

    let list = app
        .get("/api/v1/users/invitations?limit=1", admin.token())
        .await;
    list.assert_status(200);
    let newest = &list.json["items"][0];
    assert_eq!(newest["email"], second.as_str(), "{}", list.text);
    assert_eq!(newest["role"], "admin");
    assert_eq!(newest["invited_by"], admin.user_id.as_str());
    assert!(newest["created_at"].is_string() && newest["expires_at"].is_string());
    let pages = app
        .all_pages("/api/v1/users/invitations?limit=1", admin.token())
        .await;
    let all: Vec<_> = pages
        .iter()
        .flat_map(|p| p["items"].as_array().cloned().unwrap_or_default())
        .collect();
    let emails: Vec<_> = all
        .iter()
        .map(|i| i["email"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(emails, [second.as_str(), first.as_str()]);
    let first_id = all[1]["id"].as_str().unwrap().to_owned();
    let second_id = all[0]["id"].as_str().unwrap().to_owned();

    // Members, other organizations and unknown ids are refused.
    app.get("/api/v1/users/invitations", member.token())
        .await
        .assert_problem(403, "forbidden");
    let path = |id: &str| format!("/api/v1/users/invitations/{id}");
    let resend = |id: &str| format!("/api/v1/users/invitations/{id}/resend");
    app.delete(&path(&first_id), member.token())
        .await
        .assert_problem(403, "forbidden");
    app.post(&resend(&first_id), member.token(), &json!({}))
        .await
        .assert_problem(403, "forbidden");
    app.delete(&path(&first_id), other.token())
        .await
        .assert_problem(404, "not_found");
    app.post(&resend(&first_id), other.token(), &json!({}))
        .await
        .assert_problem(404, "not_found");
    let unknown = uuid::Uuid::new_v4().to_string();
    app.delete(&path(&unknown), admin.token())
        .await
        .assert_problem(404, "not_found");
    assert!(
        app.get("/api/v1/users/invitations", other.token())
            .await
            .json["items"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );

    // Revoked: the link answers 410, the list forgets it, a second revoke is 404.
    app.delete(&path(&first_id), admin.token())
        .await
        .assert_status(204);
    accept(&app, &first_token)
        .await
        .assert_problem(410, "invitation_revoked");
    app.delete(&path(&first_id), admin.token())
        .await
        .assert_problem(404, "not_found");
    let left = app.get("/api/v1/users/invitations", admin.token()).await;
    assert_eq!(
        left.json["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        left.text
    );

    // Resent: a new link works, the old one no longer does.
    let again = app
        .post(&resend(&second_id), admin.token(), &json!({}))
        .await;
    again.assert_status(202);
    assert_eq!(again.json["id"], second_id.as_str());
    let new_token = app.token_from_email(&second, 2, "/accept-invite").await;
    assert_ne!(new_token, second_token);
    accept(&app, &second_token)
        .await
        .assert_problem(400, "invalid_token");
    let joined = accept(&app, &new_token).await;
    joined.assert_status(201);
    assert_eq!(joined.json["user"]["role"], "admin");
    app.post(&resend(&second_id), admin.token(), &json!({}))
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}
