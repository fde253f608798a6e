//! A request's own work has a deadline (`P2P_REQUEST_TIMEOUT_MS`): a statement
//! that waits on the database without end (here: behind a lock another session
//! holds, as a frozen server would keep it) is answered 503 with `Retry-After`
//! at the deadline, commits nothing, and leaves the server serving; the time a
//! body takes to arrive does not count against it.

use crate::files::{multipart, png};
use crate::slow_bodies::{Framing, Pace, paced_request, upload_head};
use p2p_server::config::DatabaseBackend;
use p2p_tests::{TestApp, unique_email};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use serde_json::json;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_millis(3500);

/// A server whose request deadline is 3.5 s: the backends' own deadlines are
/// lowered under it (taking a database connection keeps its 3 s).
async fn spawn() -> TestApp {
    TestApp::spawn_with(|c| {
        c.mongodb.timeout_ms = 2000;
        c.s3.timeout_ms = 2000;
        c.redis.timeout_ms = 1000;
        c.request_timeout_ms = Some(DEADLINE.as_millis() as u64);
    })
    .await
}

/// Another session on the server's database, holding the forum's topics
/// against every write (PostgreSQL: `ACCESS EXCLUSIVE` on the table; SQLite:
/// the database's write lock) until it is dropped with [`release`].
async fn hold_topics(app: &TestApp) -> DatabaseConnection {
    let settings = &app.state().settings;
    let mut options = ConnectOptions::new(settings.database_url.expose().clone());
    options.max_connections(1).min_connections(1);
    let db = Database::connect(options).await.expect("a second session");
    let statements: &[&str] = match settings.database_backend {
        DatabaseBackend::Postgres => &["BEGIN", "LOCK TABLE forum_topics IN ACCESS EXCLUSIVE MODE"],
        DatabaseBackend::Sqlite => &["BEGIN EXCLUSIVE"],
    };
    for statement in statements {
        db.execute_unprepared(statement).await.expect(statement);
    }
    db
}

async fn release(db: DatabaseConnection) {
    db.execute_unprepared("ROLLBACK").await.expect("ROLLBACK");
    db.close().await.expect("closing the second session");
}

#[tokio::test]
async fn a_statement_that_never_returns_is_answered_503_at_the_deadline() {
    let app = spawn().await;
    let me = app.signup(&unique_email("deadline")).await;
    let topic = |title: &str| json!({"title": title, "content": "Bearing temperature climbs after each shift."});

    let held = hold_topics(&app).await;
    let started = Instant::now();
    let cut = app
        .post(
            "/api/v1/forums/topics",
            me.token(),
            &topic("held by the lock"),
        )
        .await;
    let took = started.elapsed();
    cut.assert_problem(503, "service_unavailable");
    assert!(cut.header("retry-after").is_some(), "{:?}", cut.headers);
    assert!(cut.header("x-request-id").is_some(), "{:?}", cut.headers);
    assert_eq!(cut.header("x-content-type-options"), Some("nosniff"));
    assert!(
        took >= DEADLINE,
        "answered after {took:?}, before the deadline"
    );
    // Answered while the lock still holds: the server is not stuck either.
    let health = app.get("/health/live", None).await;
    health.assert_status(200);
    release(held).await;

    let created = app
        .post(
            "/api/v1/forums/topics",
            me.token(),
            &topic("after the lock"),
        )
        .await;
    created.assert_status(201);
    let listed = app.get("/api/v1/forums/topics?limit=50", me.token()).await;
    listed.assert_status(200);
    let titles: Vec<&str> = listed.json["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|t| t["title"].as_str())
        .collect();
    assert!(titles.contains(&"after the lock"), "{titles:?}");
    assert!(
        !titles.contains(&"held by the lock"),
        "a request cut at its deadline commits nothing: {titles:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_body_arriving_for_longer_than_the_deadline_does_not_count() {
    let app = spawn().await;
    let me = app.signup(&unique_email("slow-link")).await;
    let image = png(96 * 1024);
    let (content_type, body) = multipart("site-photo.png", "image/png", &image);
    let head = upload_head(&me.access, &content_type);
    // 8 KiB every 450 ms: about 5.4 s in all, longer than the deadline.
    let pace = Pace {
        first: 8192,
        piece: 8192,
        every: Duration::from_millis(450),
    };
    let started = Instant::now();
    let answer = paced_request(&app, &head, body, pace, Framing::Length).await;
    assert!(
        started.elapsed() > DEADLINE,
        "the body outlasted the deadline"
    );
    assert_eq!(answer.status, 201, "{}", answer.json);
    assert_eq!(answer.json["size"], image.len() as u64);
    app.stop().await;
}
