//! Domain claims: an organization owns its email domain once its first admin
//! verified the address; public providers (gmail.com…) never claim one.

use p2p_tests::{PASSWORD, Session, TestApp, unique_email};
use serde_json::json;

fn signup_body(email: &str, organization: &str) -> serde_json::Value {
    json!({
        "email": email, "password": PASSWORD, "first_name": "Sara",
        "last_name": "Al-Qahtani", "organization_name": organization,
    })
}

/// Follows the verification link emailed to `email`.
pub(crate) async fn verify(app: &TestApp, email: &str) {
    let token = app.token_from_email(email, 1, "/verify-email").await;
    app.post("/api/v1/auth/verify-email", None, &json!({"token": token}))
        .await
        .assert_status(200);
}

async fn current_org(app: &TestApp, who: &Session) -> serde_json::Value {
    let resp = app.get("/api/v1/organizations/current", who.token()).await;
    resp.assert_status(200);
    resp.json
}

#[tokio::test]
async fn companies_on_public_providers_each_get_their_organization() {
    let app = TestApp::spawn().await;
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];
    let first = app
        .signup_as(
            &format!("falcon-{tag}@gmail.com"),
            "Sara",
            "Q",
            "Falcon Works",
        )
        .await;
    verify(&app, &format!("falcon-{tag}@gmail.com")).await;
    let second = app
        .signup_as(&format!("dune-{tag}@gmail.com"), "Ali", "H", "Dune Metals")
        .await;
    let third = app
        .signup_as(
            &format!("najd-{tag}@Outlook.com"),
            "Reem",
            "S",
            "Najd Foods",
        )
        .await;
    let orgs = [&first, &second, &third];
    let ids: Vec<_> = orgs
        .iter()
        .map(|s| s.body["organization"]["id"].clone())
        .collect();
    assert_ne!(ids[0], ids[1]);
    let seen = current_org(&app, &first).await;
    assert_eq!(seen["domain"], "gmail.com");
    assert_eq!(seen["domain_claimed"], false, "{seen}");
    assert_eq!(seen["domain_public"], true);
    assert_eq!(current_org(&app, &third).await["domain"], "outlook.com");
    app.stop().await;
}

#[tokio::test]
async fn the_first_admin_to_verify_claims_the_domain() {
    let app = TestApp::spawn().await;
    let first_email = unique_email("first");
    let domain = first_email.split('@').nth(1).unwrap().to_owned();
    let first = app.signup(&first_email).await;
    assert_eq!(first.body["organization"]["domain_claimed"], false);
    // Unverified: a second signup on the domain is not refused.
    let second_email = format!("second@{domain}");
    let second = app.signup(&second_email).await;
    assert_ne!(
        first.body["organization"]["id"],
        second.body["organization"]["id"]
    );

    // The second verifies first and claims; the first stays unclaimed.
    verify(&app, &second_email).await;
    verify(&app, &first_email).await;
    assert_eq!(current_org(&app, &second).await["domain_claimed"], true);
    let loser = current_org(&app, &first).await;
    assert_eq!(loser["domain_claimed"], false, "{loser}");
    assert_eq!(loser["domain"], domain.as_str());

    // Later signups on the claimed domain are told to ask for an invitation.
    app.post(
        "/api/v1/auth/signup",
        None,
        &signup_body(&format!("third@{domain}"), "Late"),
    )
    .await
    .assert_problem(409, "organization_exists");
    app.post(
        "/api/v1/auth/signup",
        None,
        &signup_body(&first_email, "Again"),
    )
    .await
    .assert_problem(409, "email_taken");
    app.stop().await;
}
