//! The SuperTokens Frontend Driver Interface under `/auth`, at the protocol
//! level (the SDK itself is driven by `tests/frontend`): transport, claims,
//! sharing sessions with `/api/v1`, refresh and theft, CORS, anti-CSRF.

use p2p_tests::TestApp;
use p2p_tests::{PASSWORD, unique_email};
use reqwest::Method;
use serde_json::{Value, json};

const PAGE_ORIGIN: &str = "http://localhost:5173";

fn form(fields: &[(&str, &str)]) -> Value {
    json!({ "formFields": fields.iter().map(|(id, v)| json!({"id": id, "value": v})).collect::<Vec<_>>() })
}

fn signup_form(email: &str) -> Value {
    form(&[
        ("email", email),
        ("password", PASSWORD),
        ("first_name", "Ann"),
        ("last_name", "Lee"),
        ("organization_name", "Lee Metals"),
    ])
}

async fn fdi_post(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
    body: &Value,
) -> p2p_tests::Response {
    let mut req = app.client.post(app.url(path)).json(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    TestApp::read(req.send().await.expect("sent")).await
}

/// Signs up through the FDI in header mode (tokens in response headers).
async fn header_signup(app: &TestApp, email: &str) -> p2p_tests::Response {
    fdi_post(
        app,
        "/auth/signup",
        &[("st-auth-mode", "header")],
        &signup_form(email),
    )
    .await
}

fn front_token(resp: &p2p_tests::Response) -> Value {
    use base64::Engine;
    let raw = resp.header("front-token").expect("front-token header");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(raw)
        .expect("base64 front-token");
    serde_json::from_slice(&bytes).expect("front-token JSON")
}

async fn spawn() -> TestApp {
    TestApp::spawn_with(|raw| raw.cors_origins = PAGE_ORIGIN.into()).await
}

#[tokio::test]
async fn header_mode_signup_shares_the_session_with_api_v1() {
    let app = spawn().await;
    let email = unique_email("fdi");
    let resp = fdi_post(
        &app,
        "/auth/signup",
        &[("st-auth-mode", "header"), ("rid", "emailpassword")],
        &signup_form(&email),
    )
    .await;
    resp.assert_status(200);
    assert_eq!(resp.json["status"], "OK");
    assert_eq!(resp.json["user"]["emails"][0], email.as_str());
    let access = resp
        .header("st-access-token")
        .expect("access token")
        .to_owned();
    assert!(
        resp.header("st-refresh-token")
            .is_some_and(|t| t.len() == 43)
    );
    let front = front_token(&resp);
    assert_eq!(front["uid"], resp.json["user"]["id"]);
    assert_eq!(front["up"]["st-ev"]["v"], false);
    assert_eq!(
        front["ate"].as_i64(),
        front["up"]["exp"].as_i64().map(|e| e * 1000)
    );

    // RS256, signed by the published key.
    let header = access.split('.').next().expect("jwt header");
    use base64::Engine;
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .expect("b64"),
    )
    .expect("json");
    assert_eq!(header["alg"], "RS256");
    let jwks = app.get("/auth/jwt/jwks.json", None).await;
    jwks.assert_status(200);
    assert_eq!(jwks.json["keys"][0]["kid"], header["kid"]);
    assert_eq!(jwks.json["keys"][0]["kty"], "RSA");

    // Same user and session on /api/v1.
    let me = app.get("/api/v1/users/me", Some(&access)).await;
    me.assert_status(200);
    assert_eq!(me.json["email"], email.as_str());
    let sessions = app.get("/api/v1/auth/sessions", Some(&access)).await;
    sessions.assert_status(200);
    assert!(
        sessions
            .text
            .contains(front["up"]["sessionHandle"].as_str().expect("handle"))
    );

    // The same account signs in on /api/v1 too.
    app.login(&email, PASSWORD).await.assert_status(200);
    app.stop().await;
}

#[tokio::test]
async fn sign_in_errors_and_email_exists() {
    let app = spawn().await;
    let email = unique_email("fdi");
    fdi_post(&app, "/auth/signup", &[], &signup_form(&email))
        .await
        .assert_status(200);
    let taken = fdi_post(&app, "/auth/signup", &[], &signup_form(&email)).await;
    assert_eq!(taken.json["status"], "FIELD_ERROR");
    assert_eq!(taken.json["formFields"][0]["id"], "email");
    let wrong = fdi_post(
        &app,
        "/auth/signin",
        &[],
        &form(&[("email", &email), ("password", "Wrong-pass-1")]),
    )
    .await;
    assert_eq!(wrong.json, json!({"status": "WRONG_CREDENTIALS_ERROR"}));
    assert!(wrong.header("front-token").is_none());
    // Bodies are read as strictly as on /api/v1: a form must be an object
    // (not the array of its fields), and broken JSON is a 400.
    let listed = json!([[{"id": "email", "value": email}]]);
    fdi_post(&app, "/auth/signin", &[], &listed)
        .await
        .assert_problem(422, "validation_failed");
    let broken = app
        .client
        .post(app.url("/auth/signin"))
        .header("content-type", "application/json")
        .body("{\"formFields\": [")
        .send()
        .await
        .expect("sent");
    TestApp::read(broken)
        .await
        .assert_problem(400, "malformed_json");
    let exists = app
        .get(
            &format!("/auth/emailpassword/email/exists?email={email}"),
            None,
        )
        .await;
    assert_eq!(exists.json, json!({"status": "OK", "exists": true}));
    let missing = app
        .get(
            "/auth/emailpassword/email/exists?email=nobody%40nowhere.example",
            None,
        )
        .await;
    assert_eq!(missing.json["exists"], false);
    app.stop().await;
}

#[tokio::test]
async fn cookie_mode_cookies_refresh_theft_and_anti_csrf() {
    let app = spawn().await;
    let email = unique_email("fdi");
    let resp = fdi_post(&app, "/auth/signup", &[], &signup_form(&email)).await;
    resp.assert_status(200);
    assert!(
        resp.header("st-access-token").is_none(),
        "cookie mode by default"
    );
    let cookies: Vec<&str> = resp
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let access = cookies
        .iter()
        .find(|c| c.starts_with("sAccessToken="))
        .expect("sAccessToken");
    let refresh = cookies
        .iter()
        .find(|c| c.starts_with("sRefreshToken="))
        .expect("sRefreshToken");
    for c in [access, refresh] {
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
    }
    assert!(
        access.contains("Path=/;") || access.ends_with("Path=/"),
        "{access}"
    );
    assert!(refresh.contains("Path=/auth/session/refresh"), "{refresh}");
    let value = |c: &str| {
        c.split(';')
            .next()
            .and_then(|kv| kv.split_once('='))
            .map(|(_, v)| v.to_owned())
            .expect("value")
    };
    let (access, refresh) = (value(access), value(refresh));

    // The access cookie works on /api/v1; a state change needs the rid header.
    let with_cookie = |method: reqwest::Method, path: &str| {
        app.client
            .request(method, app.url(path))
            .header("cookie", format!("sAccessToken={access}"))
            .send()
    };
    let me = with_cookie(reqwest::Method::GET, "/api/v1/users/me")
        .await
        .expect("sent");
    assert_eq!(me.status(), 200);
    let no_rid = with_cookie(reqwest::Method::POST, "/auth/signout")
        .await
        .expect("sent");
    assert_eq!(no_rid.status(), 401);
    let no_rid_v1 = with_cookie(reqwest::Method::POST, "/api/v1/auth/logout")
        .await
        .expect("sent");
    assert_eq!(no_rid_v1.status(), 401);

    // Rotation, then the replayed token is theft: the session ends everywhere.
    let rotate = |token: String| {
        app.client
            .post(app.url("/auth/session/refresh"))
            .header("cookie", format!("sRefreshToken={token}"))
            .header("rid", "session")
            .send()
    };
    let first = TestApp::read(rotate(refresh.clone()).await.expect("sent")).await;
    first.assert_status(200);
    assert!(first.header("front-token").is_some());
    let theft = TestApp::read(rotate(refresh).await.expect("sent")).await;
    theft.assert_status(401);
    assert_eq!(theft.json["message"], "token theft detected");
    assert_eq!(theft.header("front-token"), Some("remove"));
    let after = TestApp::read(
        app.client
            .get(app.url("/api/v1/users/me"))
            .header("cookie", format!("sAccessToken={access}"))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    after.assert_problem(401, "unauthenticated");
    assert_eq!(after.json["message"], "unauthorised");
    app.stop().await;
}

#[tokio::test]
async fn cors_allows_the_sdk_headers_and_exposes_the_token_headers() {
    let app = spawn().await;
    let preflight = app
        .client
        .request(Method::OPTIONS, app.url("/auth/signin"))
        .header("origin", PAGE_ORIGIN)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "rid,fdi-version,anti-csrf,st-auth-mode,authorization,content-type",
        )
        .send()
        .await
        .expect("sent");
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        PAGE_ORIGIN
    );
    assert_eq!(
        preflight.headers()["access-control-allow-credentials"],
        "true"
    );
    let email = unique_email("fdi");
    let resp = app
        .client
        .post(app.url("/auth/signup"))
        .header("origin", PAGE_ORIGIN)
        .header("st-auth-mode", "header")
        .json(&signup_form(&email))
        .send()
        .await
        .expect("sent");
    let exposed = resp.headers()["access-control-expose-headers"]
        .to_str()
        .expect("ascii")
        .to_owned();
    for h in [
        "front-token",
        "st-access-token",
        "st-refresh-token",
        "anti-csrf",
    ] {
        assert!(exposed.contains(h), "{h} not exposed: {exposed}");
    }
    app.stop().await;
}

#[tokio::test]
async fn an_expired_access_token_asks_for_a_refresh_on_api_v1() {
    // The shortest lifetime the configuration accepts; the test waits it out.
    let app = TestApp::spawn_with(|raw| raw.access_token_ttl_secs = 30).await;
    let email = unique_email("fdi");
    let resp = header_signup(&app, &email).await;
    let access = resp.header("st-access-token").expect("access").to_owned();
    let refresh = resp.header("st-refresh-token").expect("refresh").to_owned();
    let exp = front_token(&resp)["up"]["exp"].as_i64().expect("exp");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    tokio::time::sleep(std::time::Duration::from_secs((exp - now + 1).max(0) as u64)).await;

    let expired = app.get("/api/v1/users/me", Some(&access)).await;
    expired.assert_problem(401, "unauthenticated");
    assert_eq!(expired.json["message"], "try refresh token");
    let refreshed = fdi_post(
        &app,
        "/auth/session/refresh",
        &[
            ("authorization", &format!("Bearer {refresh}")),
            ("st-auth-mode", "header"),
        ],
        &json!({}),
    )
    .await;
    refreshed.assert_status(200);
    let fresh = refreshed
        .header("st-access-token")
        .expect("new access token");
    app.get("/api/v1/users/me", Some(fresh))
        .await
        .assert_status(200);
    app.stop().await;
}

#[tokio::test]
async fn required_verification_is_an_invalid_st_ev_claim_until_the_email_is_confirmed() {
    let app = TestApp::spawn_with(|raw| raw.require_email_verification = true).await;
    let email = unique_email("fdi");
    let resp = header_signup(&app, &email).await;
    let access = resp.header("st-access-token").expect("access").to_owned();
    let refused = app
        .get("/api/v1/organizations/current", Some(&access))
        .await;
    refused.assert_problem(403, "email_not_verified");
    assert_eq!(refused.json["message"], "invalid claim");
    assert_eq!(refused.json["claimValidationErrors"][0]["id"], "st-ev");
    app.get("/api/v1/users/me", Some(&access))
        .await
        .assert_status(200);

    let token = app.token_from_email(&email, 1, "verify-email").await;
    let verified = fdi_post(
        &app,
        "/auth/user/email/verify",
        &[
            ("authorization", &format!("Bearer {access}")),
            ("st-auth-mode", "header"),
        ],
        &json!({"method": "token", "token": token}),
    )
    .await;
    assert_eq!(verified.json["status"], "OK");
    let renewed = verified
        .header("st-access-token")
        .expect("a new access token")
        .to_owned();
    assert_eq!(front_token(&verified)["up"]["st-ev"]["v"], true);
    app.get("/api/v1/organizations/current", Some(&renewed))
        .await
        .assert_status(200);
    let status = app.get("/auth/user/email/verify", Some(&renewed)).await;
    assert_eq!(status.json, json!({"status": "OK", "isVerified": true}));
    app.stop().await;
}
