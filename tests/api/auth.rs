//! Signup, login, tokens, sessions, verification and password reset.

use p2p_tests::{PASSWORD, Session, TestApp, unique_email};
use serde_json::json;

#[tokio::test]
async fn signup_creates_an_organization_and_its_admin() {
    let app = TestApp::spawn().await;
    let email = unique_email("nora");
    let me = app.signup(&email).await;
    assert_eq!(me.body["token_type"], "Bearer");
    assert_eq!(me.body["expires_in"], 900);
    assert_eq!(me.body["user"]["role"], "admin");
    assert_eq!(me.body["user"]["email"], email.as_str());
    let domain = email.split('@').nth(1).unwrap();
    assert_eq!(me.body["organization"]["domain"], domain);

    let profile = app.get("/api/v1/users/me", me.token()).await;
    profile.assert_status(200);
    assert_eq!(profile.json["id"], me.user_id.as_str());
    assert_eq!(profile.json["email_verified"], false);
    app.stop().await;
}

#[tokio::test]
async fn signup_conflicts_and_validation() {
    let app = TestApp::spawn().await;
    let email = unique_email("first");
    app.signup(&email).await;
    let body = |email: &str, password: &str| json!({"email": email, "password": password, "first_name": "A", "last_name": "B", "organization_name": "Org"});
    app.post("/api/v1/auth/signup", None, &body(&email, PASSWORD))
        .await
        .assert_problem(409, "email_taken");
    // The domain is claimed once the first admin verified the address.
    let token = app.token_from_email(&email, 1, "/verify-email").await;
    app.post("/api/v1/auth/verify-email", None, &json!({"token": token}))
        .await
        .assert_status(200);
    let colleague = format!("colleague@{}", email.split('@').nth(1).unwrap());
    app.post("/api/v1/auth/signup", None, &body(&colleague, PASSWORD))
        .await
        .assert_problem(409, "organization_exists");

    let weak = app
        .post(
            "/api/v1/auth/signup",
            None,
            &body(&unique_email("weak"), "short"),
        )
        .await;
    weak.assert_problem(422, "validation_failed");
    assert!(
        weak.json["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "password"),
        "{}",
        weak.text
    );
    let bad_email = app
        .post("/api/v1/auth/signup", None, &body("not-an-email", PASSWORD))
        .await;
    bad_email.assert_problem(422, "validation_failed");
    assert_eq!(bad_email.json["errors"][0]["field"], "email");
    app.stop().await;
}

#[tokio::test]
async fn malformed_and_mistyped_bodies_are_problems() {
    let app = TestApp::spawn().await;
    let url = app.url("/api/v1/auth/login");
    let send = |body: &'static str, content_type: &'static str| {
        app.client
            .post(&url)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let malformed = TestApp::read(send("{\"email\": ", "application/json").await.unwrap()).await;
    malformed.assert_problem(400, "malformed_json");
    let mistyped = TestApp::read(
        send("{\"email\": 5, \"password\": \"x\"}", "application/json")
            .await
            .unwrap(),
    )
    .await;
    mistyped.assert_problem(422, "validation_failed");
    assert_eq!(mistyped.json["errors"][0]["field"], "email");
    let missing = TestApp::read(
        send("{\"email\": \"a@b.sa\"}", "application/json")
            .await
            .unwrap(),
    )
    .await;
    missing.assert_problem(422, "validation_failed");
    assert_eq!(missing.json["errors"][0]["field"], "password");
    let wrong_type = TestApp::read(
        send("email=a", "application/x-www-form-urlencoded")
            .await
            .unwrap(),
    )
    .await;
    wrong_type.assert_problem(415, "unsupported_media_type");

    let huge = format!(
        "{{\"email\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(2 * 1024 * 1024)
    );
    let too_large = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    TestApp::read(too_large)
        .await
        .assert_problem(413, "payload_too_large");
    app.stop().await;
}

#[tokio::test]
async fn login_answers_the_same_for_unknown_email_and_wrong_password() {
    let app = TestApp::spawn().await;
    let email = unique_email("login");
    app.signup(&email).await;
    let ok = app.login(&email, PASSWORD).await;
    ok.assert_status(200);
    assert!(ok.json["access_token"].is_string());

    let wrong = app.login(&email, "Wrong-password-99").await;
    let unknown = app.login(&unique_email("nobody"), PASSWORD).await;
    wrong.assert_problem(401, "invalid_credentials");
    unknown.assert_problem(401, "invalid_credentials");
    assert_eq!(wrong.json["detail"], unknown.json["detail"]);
    assert_eq!(wrong.json["title"], unknown.json["title"]);
    app.stop().await;
}

#[tokio::test]
async fn refresh_rotates_and_a_replayed_token_revokes_the_session() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("rotate")).await;
    let first = app.refresh(&me.refresh).await;
    first.assert_status(200);
    let new_refresh = first.json["refresh_token"].as_str().unwrap().to_owned();
    let new_access = first.json["access_token"].as_str().unwrap().to_owned();
    assert_ne!(new_refresh, me.refresh);
    app.get("/api/v1/users/me", Some(&new_access))
        .await
        .assert_status(200);

    // The old refresh token again: theft detected, the whole session ends.
    app.refresh(&me.refresh)
        .await
        .assert_problem(401, "refresh_token_reused");
    app.refresh(&new_refresh).await.assert_status(401);
    app.get("/api/v1/users/me", Some(&new_access))
        .await
        .assert_status(401);
    app.post(
        "/api/v1/auth/refresh",
        None,
        &json!({"refresh_token": "garbage"}),
    )
    .await
    .assert_status(401);
    app.stop().await;
}

#[tokio::test]
async fn logout_ends_the_session_at_once() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("logout")).await;
    app.get("/api/v1/users/me", me.token())
        .await
        .assert_status(200);
    app.logout(&me).await.assert_status(204);
    app.get("/api/v1/users/me", me.token())
        .await
        .assert_problem(401, "unauthenticated");
    app.refresh(&me.refresh).await.assert_status(401);
    app.get("/api/v1/users/me", None)
        .await
        .assert_problem(401, "unauthenticated");
    app.get("/api/v1/users/me", Some("not.a.jwt"))
        .await
        .assert_status(401);
    app.stop().await;
}

#[tokio::test]
async fn sessions_are_listed_and_revocable() {
    let app = TestApp::spawn().await;
    let email = unique_email("devices");
    let laptop = app.signup(&email).await;
    let phone = Session::from_auth(&email, app.login(&email, PASSWORD).await.json);
    let list = app.get("/api/v1/auth/sessions", laptop.token()).await;
    list.assert_status(200);
    let items = list.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1);
    let phone_id = phone.body["session_id"].as_str().unwrap();
    app.delete(&format!("/api/v1/auth/sessions/{phone_id}"), laptop.token())
        .await
        .assert_status(204);
    app.get("/api/v1/users/me", phone.token())
        .await
        .assert_status(401);
    app.get("/api/v1/users/me", laptop.token())
        .await
        .assert_status(200);

    // Someone else's session id is not found.
    let other = app.signup(&unique_email("other")).await;
    let laptop_id = laptop.body["session_id"].as_str().unwrap();
    app.delete(&format!("/api/v1/auth/sessions/{laptop_id}"), other.token())
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}

#[tokio::test]
async fn email_verification_follows_the_emailed_link_once() {
    let app = TestApp::spawn().await;
    let email = unique_email("verify");
    let me = app.signup(&email).await;
    let token = app.token_from_email(&email, 1, "/verify-email").await;
    let verified = app
        .post("/api/v1/auth/verify-email", None, &json!({"token": token}))
        .await;
    verified.assert_status(200);
    assert_eq!(verified.json["email_verified"], true);
    app.post("/api/v1/auth/verify-email", None, &json!({"token": token}))
        .await
        .assert_problem(410, "token_used");
    app.post(
        "/api/v1/auth/verify-email",
        None,
        &json!({"token": "nonsense"}),
    )
    .await
    .assert_problem(400, "invalid_token");
    let me_now = app.get("/api/v1/users/me", me.token()).await;
    assert_eq!(me_now.json["email_verified"], true);
    app.stop().await;
}

#[tokio::test]
async fn password_reset_through_the_email_revokes_every_session() {
    let app = TestApp::spawn().await;
    let email = unique_email("reset");
    let me = app.signup(&email).await;
    app.post(
        "/api/v1/auth/reset-password",
        None,
        &json!({"email": email}),
    )
    .await
    .assert_status(202);
    app.post(
        "/api/v1/auth/reset-password",
        None,
        &json!({"email": unique_email("ghost")}),
    )
    .await
    .assert_status(202);
    // The signup's verification email came first; the reset link is the second.
    let token = app.token_from_email(&email, 2, "/reset-password").await;
    let weak = app
        .post(
            "/api/v1/auth/reset-password/confirm",
            None,
            &json!({"token": token, "new_password": "short"}),
        )
        .await;
    weak.assert_problem(422, "validation_failed");
    assert_eq!(weak.json["errors"][0]["field"], "new_password");
    let new_password = "Brand-new-pass-77";
    app.post(
        "/api/v1/auth/reset-password/confirm",
        None,
        &json!({"token": token, "new_password": new_password}),
    )
    .await
    .assert_status(200);
    app.get("/api/v1/users/me", me.token())
        .await
        .assert_status(401);
    app.login(&email, PASSWORD).await.assert_status(401);
    app.login(&email, new_password).await.assert_status(200);
    app.post(
        "/api/v1/auth/reset-password/confirm",
        None,
        &json!({"token": token, "new_password": "Another-pass-88"}),
    )
    .await
    .assert_problem(410, "token_used");
    app.stop().await;
}

#[tokio::test]
async fn repeated_failed_logins_are_rate_limited() {
    let app = TestApp::spawn().await;
    let email = unique_email("brute");
    app.signup(&email).await;
    let mut limited = None;
    for _ in 0..15 {
        let resp = app.login(&email, "Wrong-password-99").await;
        if resp.status == 429 {
            limited = Some(resp);
            break;
        }
        resp.assert_status(401);
    }
    let limited = limited.expect("login attempts are limited");
    limited.assert_problem(429, "rate_limited");
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!(retry >= 1);
    // Even the right password waits out the window.
    app.login(&email, PASSWORD).await.assert_status(429);
    app.stop().await;
}

#[tokio::test]
async fn browser_cookies_need_the_csrf_header_to_change_state() {
    let app = TestApp::spawn().await;
    let email = unique_email("browser");
    app.signup(&email).await;
    let browser = reqwest::Client::new();
    let login = browser
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let set_cookies: Vec<String> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(login.status(), 200);
    let access = set_cookies
        .iter()
        .find(|c| c.starts_with("p2p_access="))
        .expect("access cookie");
    assert!(access.contains("HttpOnly") && access.contains("SameSite=Lax"));
    let refresh = set_cookies
        .iter()
        .find(|c| c.starts_with("p2p_refresh="))
        .expect("refresh cookie");
    assert!(refresh.contains("HttpOnly") && refresh.contains("Path=/api/v1/auth"));
    let pairs: Vec<&str> = set_cookies
        .iter()
        .filter_map(|c| c.split(';').next())
        .collect();
    let cookie_header = pairs.join("; ");
    let csrf = pairs
        .iter()
        .find_map(|p| p.strip_prefix("p2p_csrf="))
        .expect("csrf cookie")
        .to_owned();
    let with_cookies = |req: reqwest::RequestBuilder| req.header("cookie", cookie_header.clone());

    let me = with_cookies(browser.get(app.url("/api/v1/users/me")))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200, "GET works on the cookie alone");
    let forged = with_cookies(browser.patch(app.url("/api/v1/users/me")))
        .json(&json!({"job_title": "Plant manager"}))
        .send()
        .await
        .unwrap();
    TestApp::read(forged)
        .await
        .assert_problem(403, "csrf_failed");
    let proper = with_cookies(browser.patch(app.url("/api/v1/users/me")))
        .header("x-csrf-token", csrf.clone())
        .json(&json!({"job_title": "Plant manager"}))
        .send()
        .await
        .unwrap();
    let proper = TestApp::read(proper).await;
    proper.assert_status(200);
    assert_eq!(proper.json["job_title"], "Plant manager");

    let refreshed = with_cookies(browser.post(app.url("/api/v1/auth/refresh")))
        .header("x-csrf-token", csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 200, "refresh from the cookie");
    app.stop().await;
}

/// Signs up through a client that claims to be forwarding for `forwarded_for`.
async fn signup_forwarded(app: &TestApp, forwarded_for: &str) -> u16 {
    app.client
        .post(app.url("/api/v1/auth/signup"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({
            "email": unique_email("forwarded"),
            "password": PASSWORD,
            "first_name": "Rana",
            "last_name": "Qahtani",
            "organization_name": "Qahtani Plastics",
        }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Signups until the per-address limit answers 429; how many got through.
async fn signups_until_limited(app: &TestApp, forwarded_for: &str) -> usize {
    for n in 0..30 {
        match signup_forwarded(app, forwarded_for).await {
            201 => {}
            429 => return n,
            other => panic!("unexpected status {other}"),
        }
    }
    panic!("signups were never limited");
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_trusted_proxies() {
    // Behind a trusted proxy, each forwarded client has its own limit.
    let app = TestApp::spawn_with(|raw| raw.trusted_proxies = "127.0.0.1, ::1".into()).await;
    let allowed = signups_until_limited(&app, "203.0.113.7").await;
    assert!(allowed > 0);
    assert_eq!(
        signup_forwarded(&app, "198.51.100.20, 203.0.113.8").await,
        201
    );
    // What the client itself prepends does not change its address.
    assert_eq!(
        signup_forwarded(&app, "198.51.100.20, 203.0.113.7").await,
        429
    );
    app.stop().await;

    // Without trusted proxies the header is ignored: a new address buys nothing.
    let app = TestApp::spawn().await;
    assert_eq!(signups_until_limited(&app, "203.0.113.9").await, allowed);
    assert_eq!(signup_forwarded(&app, "203.0.113.10").await, 429);
    app.stop().await;
}

/// Logs in through a trusted proxy that forwards for `address`.
async fn login_from(
    app: &TestApp,
    address: &str,
    email: &str,
    password: &str,
) -> p2p_tests::Response {
    let resp = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", address)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    TestApp::read(resp).await
}

#[tokio::test]
async fn wrong_passwords_from_elsewhere_do_not_lock_the_owner_out() {
    let app = TestApp::spawn_with(|raw| raw.trusted_proxies = "127.0.0.1, ::1".into()).await;
    let email = unique_email("victim");
    app.signup(&email).await;

    // An attacker's address fails until it is stopped...
    let mut stopped = false;
    for _ in 0..15 {
        let resp = login_from(&app, "203.0.113.66", &email, "Wrong-password-99").await;
        if resp.status == 429 {
            resp.assert_problem(429, "rate_limited");
            assert!(resp.header("retry-after").is_some());
            stopped = true;
            break;
        }
        resp.assert_problem(401, "invalid_credentials");
    }
    assert!(stopped, "the attacker's address is throttled");
    // ...and so are a dozen more addresses, one wrong password each.
    for i in 1..=12 {
        login_from(
            &app,
            &format!("198.51.100.{i}"),
            &email,
            "Wrong-password-99",
        )
        .await
        .assert_problem(401, "invalid_credentials");
    }
    // The owner, from an address that has not failed, gets in at once.
    login_from(&app, "192.0.2.10", &email, PASSWORD)
        .await
        .assert_status(200);
    // The attacker's address is still stopped, even with the right password.
    login_from(&app, "203.0.113.66", &email, PASSWORD)
        .await
        .assert_problem(429, "rate_limited");
    app.stop().await;
}
