//! The OpenTelemetry trace export (`P2P_OTLP_*`) of the `p2p-server` binary
//! in its own process, into a receiver this test runs: a server span per
//! request (route pattern, status), the backend calls as child spans within
//! it, a caller's `traceparent` continued, the spans still waiting flushed on
//! SIGTERM, and nothing exported without an endpoint.

use p2p_tests::Backend;
use p2p_tests::Isolation;
use p2p_tests::load::Workload;
use p2p_tests::otlp::{Received, Receiver};
use p2p_tests::process::{ServerProcess, sibling_server_binary};
use std::time::Duration;

const SERVER: i32 = 2;
const CLIENT: i32 = 3;

/// A W3C `traceparent` of a sampled caller span: (header, trace id, span id).
fn traceparent() -> (String, String, String) {
    let trace = uuid::Uuid::new_v4().simple().to_string();
    let span = uuid::Uuid::new_v4().simple().to_string()[..16].to_owned();
    (format!("00-{trace}-{span}-01"), trace, span)
}

async fn start(
    receiver_endpoint: Option<String>,
    ratio: f64,
    env: &[(&str, &str)],
) -> (ServerProcess, Isolation, std::path::PathBuf) {
    let mut isolation = Isolation::new();
    let mut raw = isolation.config(Backend::from_env()).await;
    raw.otlp.endpoint = receiver_endpoint;
    raw.otlp.service_name = "p2p-trace-test".into();
    raw.otlp.sample_ratio = ratio;
    raw.shutdown_drain_secs = 0;
    std::fs::create_dir_all(&isolation.data_dir).expect("data dir");
    let log = isolation.data_dir.with_extension("log");
    let server = ServerProcess::spawn_with_env(&sibling_server_binary(), raw, &log, env).await;
    (server, isolation, log)
}

async fn stop(mut server: ServerProcess, log: &std::path::Path) {
    server.terminate();
    let status = server.exit_status(Duration::from_secs(20)).await;
    let text = std::fs::read_to_string(log).unwrap_or_default();
    assert!(status.success(), "exit {status}: {text}");
}

fn server_span<'a>(spans: &'a [Received], route: &str, status: u16) -> Option<&'a Received> {
    spans.iter().find(|s| {
        s.span.kind == SERVER
            && s.attribute("route").as_deref() == Some(route)
            && s.attribute("status") == Some(status.to_string())
    })
}

fn children<'a>(spans: &'a [Received], parent: &Received) -> Vec<&'a Received> {
    spans
        .iter()
        .filter(|s| s.trace_id() == parent.trace_id() && s.parent_span_id() == parent.span_id())
        .collect()
}

/// The child runs within its parent (1 ms of slack between the clocks the
/// two ends are read from).
fn within(child: &Received, parent: &Received) -> bool {
    const SLACK: u64 = 1_000_000;
    let (c, p) = (&child.span, &parent.span);
    c.start_time_unix_nano + SLACK >= p.start_time_unix_nano
        && c.end_time_unix_nano <= p.end_time_unix_nano + SLACK
        && c.start_time_unix_nano <= c.end_time_unix_nano
}

#[tokio::test]
async fn requests_and_their_backend_calls_are_exported_as_spans() {
    let receiver = Receiver::start().await;
    // A batch every second rather than five.
    let env = [("OTEL_BSP_SCHEDULE_DELAY", "1000")];
    let (server, isolation, log) = start(Some(receiver.endpoint()), 1.0, &env).await;
    let client = reqwest::Client::new();

    let live = client
        .get(format!("{}/health/live", server.base))
        .send()
        .await
        .expect("live");
    assert_eq!(live.status(), 200);
    // Signing up writes to the database.
    let workload = Workload::prepare(&server.base, 1, 0).await;
    let token = workload.tokens()[0].clone();
    let (header, caller_trace, caller_span) = traceparent();
    let me = client
        .get(format!("{}/api/v1/users/me", server.base))
        .bearer_auth(&token)
        .header("traceparent", &header)
        .send()
        .await
        .expect("users/me");
    assert_eq!(me.status(), 200);
    let me_body: serde_json::Value = me.json().await.expect("profile");
    let email = me_body["email"].as_str().unwrap_or_default().to_owned();
    assert!(email.contains('@'), "{me_body}");

    // Exported while the server runs (the batch goes every few seconds).
    let exported = receiver
        .wait_for(Duration::from_secs(20), |s| {
            s.attribute("route").as_deref() == Some("/api/v1/users/me")
        })
        .await;
    assert!(
        exported,
        "no span of GET /api/v1/users/me within 20 s: {:?}",
        receiver.posts()
    );

    // A request just before SIGTERM: its span is flushed on the way out.
    let missing = uuid::Uuid::new_v4().to_string();
    let topic = client
        .get(format!("{}/api/v1/forums/topics/{missing}", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("topic");
    assert_eq!(topic.status(), 404);
    stop(server, &log).await;

    let spans = receiver.spans();
    let posts = receiver.posts();
    assert!(
        posts
            .iter()
            .all(|p| p == "POST /v1/traces application/x-protobuf"),
        "{posts:?}"
    );
    assert!(spans.iter().all(|s| s.service_name == "p2p-trace-test"));

    let live = server_span(&spans, "/health/live", 200).expect("span of GET /health/live");
    assert_eq!(live.span.name, "GET /health/live");
    assert_eq!(live.attribute("method").as_deref(), Some("GET"));
    assert!(
        live.attribute("request_id")
            .is_some_and(|id| !id.is_empty())
    );
    assert!(
        live.span.parent_span_id.is_empty(),
        "a request without traceparent starts a trace"
    );

    // Signing up: the server span and its database statements inside it.
    let signup = server_span(&spans, "/api/v1/auth/signup", 201).expect("span of signup");
    assert_eq!(signup.span.name, "POST /api/v1/auth/signup");
    let calls = children(&spans, signup);
    let inserts = calls
        .iter()
        .filter(|c| {
            c.attribute("backend").as_deref() == Some("database")
                && c.attribute("op").as_deref() == Some("insert")
        })
        .count();
    assert!(
        inserts >= 1,
        "signup's calls: {:?}",
        calls
            .iter()
            .map(|c| c.attributes_text())
            .collect::<Vec<_>>()
    );
    for call in &calls {
        assert_eq!(call.span.kind, CLIENT, "{}", call.attributes_text());
        assert_eq!(call.attribute("error").as_deref(), Some("false"));
        assert!(
            within(call, signup),
            "{} outside its request: {:?} {:?}",
            call.attributes_text(),
            (call.span.start_time_unix_nano, call.span.end_time_unix_nano),
            (
                signup.span.start_time_unix_nano,
                signup.span.end_time_unix_nano
            )
        );
    }
    let first = calls
        .iter()
        .map(|c| c.span.start_time_unix_nano)
        .min()
        .unwrap_or(0);
    let last = calls
        .iter()
        .map(|c| c.span.end_time_unix_nano)
        .max()
        .unwrap_or(0);
    assert!(first < last, "the calls take time");

    // The caller's trace is continued.
    let me = server_span(&spans, "/api/v1/users/me", 200).expect("span of users/me");
    assert_eq!(me.trace_id(), caller_trace);
    assert_eq!(me.parent_span_id(), caller_span);
    for call in children(&spans, me) {
        assert!(within(call, me), "{}", call.attributes_text());
    }

    // The route pattern, never the path's id; no user data anywhere.
    let topic =
        server_span(&spans, "/api/v1/forums/topics/{id}", 404).expect("span flushed on SIGTERM");
    assert_eq!(topic.span.name, "GET /api/v1/forums/topics/{id}");
    for span in &spans {
        let text = span.attributes_text();
        assert!(
            !text.contains(&missing) && !text.contains(&email) && !text.contains(&token),
            "{text}"
        );
    }
    // On the full stack, MongoDB's command events and Redis are seen too
    // (the readiness probe the harness polls pings both).
    if Backend::from_env() == Backend::Full {
        let ready = server_span(&spans, "/health/ready", 200).expect("span of the readiness probe");
        let backends: Vec<String> = children(&spans, ready)
            .iter()
            .filter_map(|c| c.attribute("backend"))
            .collect();
        for backend in ["mongodb", "redis"] {
            assert!(
                backends.iter().any(|b| b == backend),
                "{backend} in {backends:?}"
            );
        }
    }
    // Every backend call belongs to a request's trace.
    let servers: Vec<&Received> = spans.iter().filter(|s| s.span.kind == SERVER).collect();
    for call in spans.iter().filter(|s| s.span.kind == CLIENT) {
        assert!(
            servers.iter().any(|s| s.trace_id() == call.trace_id()),
            "{}",
            call.attributes_text()
        );
    }
    isolation.cleanup().await;
}

#[tokio::test]
async fn without_an_endpoint_nothing_is_exported() {
    let receiver = Receiver::start().await;
    // What the exporter library would read, were it running: it is not.
    let env = [("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", receiver.endpoint())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (server, isolation, log) = start(None, 1.0, &env).await;
    let workload = Workload::prepare(&server.base, 1, 0).await;
    let me = reqwest::Client::new()
        .get(format!("{}/api/v1/users/me", server.base))
        .bearer_auth(&workload.tokens()[0])
        .header("traceparent", traceparent().0)
        .send()
        .await
        .expect("users/me");
    assert_eq!(me.status(), 200);
    stop(server, &log).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(receiver.posts().is_empty(), "{:?}", receiver.posts());
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!text.contains("exporting traces"), "{text}");
    isolation.cleanup().await;
}

#[tokio::test]
async fn a_zero_ratio_keeps_only_traces_callers_sampled() {
    let receiver = Receiver::start().await;
    let (server, isolation, log) = start(Some(receiver.endpoint()), 0.0, &[]).await;
    let client = reqwest::Client::new();
    let (header, caller_trace, _) = traceparent();
    for sampled in [None, Some(&header)] {
        let mut request = client.get(format!("{}/health/live", server.base));
        if let Some(header) = sampled {
            request = request.header("traceparent", header);
        }
        assert_eq!(request.send().await.expect("live").status(), 200);
    }
    stop(server, &log).await;
    let spans = receiver.spans();
    let traces: Vec<String> = spans.iter().map(Received::trace_id).collect();
    assert_eq!(traces, [caller_trace], "only the sampled caller's request");
    isolation.cleanup().await;
}
