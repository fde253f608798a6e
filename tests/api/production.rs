//! Production mode (`P2P_ENV=production`): `Secure` cookies on `/api/v1` and
//! on the SuperTokens-compatible `/auth`, HSTS, and a Content-Security-Policy
//! that lets the vendored Swagger UI run from this origin only.

use p2p_server::config::Environment;
use p2p_tests::{PASSWORD, Response, TestApp, unique_email};
use serde_json::json;

async fn production() -> TestApp {
    TestApp::spawn_with(|c| c.env = Environment::Production).await
}

fn set_cookies(resp: &Response) -> Vec<String> {
    resp.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect()
}

#[track_caller]
fn assert_all_secure(cookies: &[String], expected: usize) {
    assert!(cookies.len() >= expected, "cookies: {cookies:?}");
    for cookie in cookies {
        let secure = cookie
            .split(';')
            .any(|attribute| attribute.trim().eq_ignore_ascii_case("secure"));
        assert!(secure, "not Secure: {cookie}");
    }
}

#[tokio::test]
async fn every_session_cookie_is_secure() {
    let app = production().await;
    let email = unique_email("prod");
    let me = app.signup(&email).await;

    let login = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": email, "password": PASSWORD}),
        )
        .await;
    login.assert_status(200);
    assert_all_secure(&set_cookies(&login), 3);
    let logout = app
        .post(
            "/api/v1/auth/logout",
            me.token(),
            &json!({"refresh_token": me.refresh}),
        )
        .await;
    assert_all_secure(&set_cookies(&logout), 3);

    let form = json!({"formFields": [
        {"id": "email", "value": email},
        {"id": "password", "value": PASSWORD},
    ]});
    let signin = app.post("/auth/signin", None, &form).await;
    signin.assert_status(200);
    assert_eq!(signin.json["status"], "OK", "{}", signin.text);
    assert_all_secure(&set_cookies(&signin), 2);
    app.stop().await;
}

#[tokio::test]
async fn responses_carry_hsts_in_production_only() {
    let app = production().await;
    let live = app.get("/health/live", None).await;
    let hsts = live.header("strict-transport-security").expect("HSTS");
    assert!(hsts.starts_with("max-age="), "{hsts}");
    let problem = app.get("/api/v1/no-such-thing", None).await;
    assert!(problem.header("strict-transport-security").is_some());
    app.stop().await;

    let development = TestApp::spawn().await;
    let live = development.get("/health/live", None).await;
    assert!(live.header("strict-transport-security").is_none());
    development.stop().await;
}

#[tokio::test]
async fn the_docs_run_under_a_strict_content_security_policy() {
    let app = production().await;
    let page = app.get("/docs/", None).await;
    page.assert_status(200);
    let policy = page
        .header("content-security-policy")
        .expect("a policy on /docs/")
        .to_owned();
    let directive = |name: &str| {
        policy
            .split(';')
            .map(str::trim)
            .find(|d| d.split(' ').next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} in {policy}"))
            .to_owned()
    };
    assert_eq!(directive("default-src"), "default-src 'none'");
    assert_eq!(directive("script-src"), "script-src 'self'");
    assert_eq!(directive("frame-ancestors"), "frame-ancestors 'none'");
    assert!(!policy.contains("unsafe"), "{policy}");

    // Everything the page loads comes from this origin and is served.
    for asset in [
        "swagger-ui.css",
        "index.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "swagger-initializer.js",
    ] {
        assert!(page.text.contains(asset), "the page loads {asset}");
        let resp = app.get(&format!("/docs/{asset}"), None).await;
        resp.assert_status(200);
    }
    let initializer = app.get("/docs/swagger-initializer.js", None).await;
    assert!(initializer.text.contains("/api/v1/openapi.json"));

    let api = app.get("/api/v1/openapi.json", None).await;
    let api_policy = api.header("content-security-policy").expect("API policy");
    assert!(api_policy.starts_with("default-src 'none'"), "{api_policy}");
    app.stop().await;
}
