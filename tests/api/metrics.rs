//! `/metrics`: labels that requests cannot grow, and who may read them
//! (development: anyone; production: a separate listener and/or a token).

use p2p_server::config::{Environment, Secret};
use p2p_tests::TestApp;
use reqwest::Method;

const TOKEN: &str = "scrape-token-0123456789abcdef";

#[tokio::test]
async fn labels_do_not_take_request_input() {
    let app = TestApp::spawn().await;
    let unique = uuid::Uuid::new_v4().simple().to_string()[..12].to_ascii_uppercase();
    let method = format!("PROBE{unique}");
    let invented = Method::from_bytes(method.as_bytes()).unwrap();
    let resp = app
        .client
        .request(invented, app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    let path = format!("/no-such-page-{unique}");
    app.get(&path, None).await.assert_problem(404, "not_found");

    let metrics = app.get("/metrics", None).await;
    metrics.assert_status(200);
    assert!(
        !metrics.text.contains(&unique),
        "a request's method or path became a label"
    );
    assert!(
        metrics
            .text
            .contains(r#"http_requests_total{method="other","#),
        "invented methods share one label"
    );
    assert!(metrics.text.contains(r#"route="unmatched",status="404""#));
    app.stop().await;
}

#[tokio::test]
async fn production_does_not_serve_metrics_publicly() {
    let app = TestApp::spawn_with(|c| c.env = Environment::Production).await;
    app.get("/health/live", None).await.assert_status(200);
    let metrics = app.get("/metrics", None).await;
    metrics.assert_problem(404, "not_found");
    assert!(!metrics.text.contains("http_requests_total"));
    app.stop().await;
}

async fn scrape(app: &TestApp, url: &str, token: Option<&str>) -> p2p_tests::Response {
    let mut req = app.client.get(url);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    TestApp::read(req.send().await.unwrap()).await
}

#[tokio::test]
async fn a_metrics_token_is_required_when_configured() {
    let app = TestApp::spawn_with(|c| {
        c.env = Environment::Production;
        c.metrics.token = Some(Secret::new(TOKEN.into()));
    })
    .await;
    let url = app.url("/metrics");
    scrape(&app, &url, None)
        .await
        .assert_problem(401, "unauthenticated");
    scrape(&app, &url, Some("scrape-token-0123456789abcdeX"))
        .await
        .assert_problem(401, "unauthenticated");
    let metrics = scrape(&app, &url, Some(TOKEN)).await;
    metrics.assert_status(200);
    assert!(metrics.text.contains("http_requests_total"));
    app.stop().await;
}

#[tokio::test]
async fn a_metrics_listener_serves_metrics_and_nothing_else() {
    let app = TestApp::spawn_with(|c| {
        c.env = Environment::Production;
        c.metrics.addr = Some("127.0.0.1:0".into());
    })
    .await;
    app.get("/metrics", None)
        .await
        .assert_problem(404, "not_found");
    let address = app
        .state()
        .settings
        .metrics
        .listen
        .expect("metrics listener");
    assert_ne!(address.port(), 0, "the bound port is recorded");
    let private = format!("http://{address}");
    let metrics = scrape(&app, &format!("{private}/metrics"), None).await;
    metrics.assert_status(200);
    assert!(metrics.text.contains("http_requests_total"));
    scrape(&app, &format!("{private}/api/v1/openapi.json"), None)
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}
