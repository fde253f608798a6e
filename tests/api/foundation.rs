//! The server shell: health, docs, metrics, the error model, request ids.

use p2p_server::config::Secret;
use p2p_tests::{Backend, TestApp};
use reqwest::Method;

#[tokio::test]
async fn liveness_and_readiness() {
    let app = TestApp::spawn().await;
    app.get("/health/live", None).await.assert_status(200);
    let ready = app.get("/health/ready", None).await;
    ready.assert_status(200);
    assert_eq!(ready.json["status"], "ready");
    let checks = ready.json["checks"].as_object().expect("checks");
    let mut names: Vec<&str> = checks.keys().map(String::as_str).collect();
    names.sort_unstable();
    match app.backend {
        Backend::Embedded => assert_eq!(names, ["database", "files"]),
        Backend::Full => assert_eq!(names, ["database", "mongodb", "redis", "s3", "smtp"]),
    }
    assert!(checks.values().all(|c| c["status"] == "up"));
    app.stop().await;
}

#[tokio::test]
async fn openapi_document_and_docs_page() {
    let app = TestApp::spawn().await;
    let spec = app.get("/api/v1/openapi.json", None).await;
    spec.assert_status(200);
    assert!(
        spec.json["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3."))
    );
    assert!(spec.json["paths"]["/health/ready"]["get"].is_object());
    let docs = app.get("/docs/", None).await;
    docs.assert_status(200);
    assert!(docs.text.to_lowercase().contains("swagger"));
    let redirect = app.get("/docs", None).await;
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.header("location"), Some("/docs/"));
    app.stop().await;
}

#[tokio::test]
async fn unknown_route_and_wrong_method_are_problems() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/no-such-thing", None)
        .await
        .assert_problem(404, "not_found");
    app.get("/nope", None)
        .await
        .assert_problem(404, "not_found");
    let wrong = app.delete("/health/live", None).await;
    wrong.assert_problem(405, "method_not_allowed");
    assert_eq!(wrong.header("allow"), Some("GET"));
    let on_me = app
        .request(Method::PUT, "/api/v1/users/me", None, None)
        .await;
    on_me.assert_problem(405, "method_not_allowed");
    assert_eq!(on_me.header("allow"), Some("GET, PATCH, DELETE"));
    let on_topic = app
        .request(
            Method::PUT,
            "/api/v1/forums/topics/0190a0b0-0000-7000-8000-000000000001",
            None,
            None,
        )
        .await;
    on_topic.assert_problem(405, "method_not_allowed");
    // A literal path caught by an `{id}` route of another method.
    let session = app.signup(&p2p_tests::unique_email("allow")).await;
    let presign = app.get("/api/v1/files/presign", session.token()).await;
    presign.assert_problem(405, "method_not_allowed");
    assert_eq!(presign.header("allow"), Some("POST"));
    app.get("/api/v1/files/not-an-id", session.token())
        .await
        .assert_problem(404, "not_found");
    assert!(
        on_topic.header("allow").is_some_and(|a| a.contains("GET")),
        "{:?}",
        on_topic.header("allow")
    );
    app.stop().await;
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .get(app.url("/api/v1/missing"))
        .header("x-request-id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    let resp = TestApp::read(resp).await;
    assert_eq!(resp.header("x-request-id"), Some("trace-abc-123"));
    assert_eq!(resp.json["request_id"], "trace-abc-123");

    let generated = app.get("/health/live", None).await;
    let id = generated.header("x-request-id").expect("generated id");
    assert_eq!(id.len(), 36, "a UUID");
    app.stop().await;
}

#[tokio::test]
async fn request_ids_that_are_not_short_tokens_are_replaced() {
    let app = TestApp::spawn().await;
    let send = |id: String| {
        let req = app
            .client
            .get(app.url("/api/v1/missing"))
            .header("x-request-id", id);
        async move { TestApp::read(req.send().await.unwrap()).await }
    };
    let hostile = [
        "<script>alert(1)</script>".to_owned(),
        "a\"b".to_owned(),
        "x".repeat(65),
        "id with spaces".to_owned(),
    ];
    for id in hostile {
        let resp = send(id.clone()).await;
        let echoed = resp.header("x-request-id").expect("an id");
        assert_ne!(echoed, id);
        assert_eq!(echoed.len(), 36, "a generated UUID");
        assert_eq!(resp.json["request_id"], echoed);
        assert!(!resp.text.contains("<script"), "{}", resp.text);
    }
    let longest = format!("Trace.{}_9-z", "a".repeat(54));
    assert_eq!(longest.len(), 64);
    let resp = send(longest.clone()).await;
    assert_eq!(resp.header("x-request-id"), Some(longest.as_str()));
    app.stop().await;
}

#[tokio::test]
async fn metrics_count_requests_per_route() {
    let app = TestApp::spawn().await;
    app.get("/health/live", None).await;
    app.get("/api/v1/missing", None).await;
    let metrics = app.get("/metrics", None).await;
    metrics.assert_status(200);
    assert!(
        metrics
            .text
            .contains("http_requests_total{method=\"GET\",route=\"/health/live\",status=\"200\"}")
    );
    assert!(
        metrics
            .text
            .contains("http_request_duration_seconds_bucket")
    );
    assert!(metrics.text.contains("http_requests_in_flight"));
    app.stop().await;
}

#[tokio::test]
async fn security_headers_and_gzip() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
    assert_eq!(
        resp.headers()
            .get("x-content-type-options")
            .and_then(|v| v.to_str().ok()),
        Some("nosniff")
    );
    app.stop().await;
}

/// Polls `/health/ready` until it answers `status` (bounded).
async fn wait_for_ready_status(app: &TestApp, status: u16) -> p2p_tests::Response {
    let mut last = app.get("/health/ready", None).await;
    for _ in 0..100 {
        if last.status == status {
            return last;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        last = app.get("/health/ready", None).await;
    }
    panic!("readiness never became {status}: {}", last.text);
}

#[tokio::test]
async fn readiness_follows_redis_down_and_back_without_restart() {
    let mut redis = p2p_tests::PrivateRedis::start().await;
    let url = redis.url();
    let app = TestApp::spawn_with(|c| {
        c.redis.url = Some(Secret::new(url));
        c.redis.prefix = "outage-test:".into();
    })
    .await;
    wait_for_ready_status(&app, 200).await;

    redis.stop();
    let down = wait_for_ready_status(&app, 503).await;
    assert_eq!(down.json["status"], "unavailable");
    assert_eq!(down.json["checks"]["redis"]["status"], "down");
    assert_eq!(down.json["checks"]["database"]["status"], "up");
    assert!(
        !down.text.contains("Connection refused"),
        "no internals: {}",
        down.text
    );
    app.get("/health/live", None).await.assert_status(200);

    redis.restart().await;
    let up = wait_for_ready_status(&app, 200).await;
    assert_eq!(up.json["checks"]["redis"]["status"], "up");
    app.stop().await;
}
