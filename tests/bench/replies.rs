//! The write paths over HTTP, one client: reply, new topic, private message
//! and use case published. Per kind: POST latency, and the round trips one
//! write costs each backend (`p2p_kernel::round_trips`): the request's own,
//! and the background workers' (event outbox, search indexer, trending, and
//! the periodic polls of the mail outbox and digests, a few statements every
//! 2 s) per write.

use p2p_tests::stats::Latencies;
use p2p_tests::{Session, TestApp};
use serde_json::json;
use std::time::{Duration, Instant};

const TOPICS: usize = 10;
const WARM_UP: usize = 10;
const REPLIES: usize = 200;
/// New topics, messages and publications measured (messages stay under the
/// send limit).
const OTHER_WRITES: usize = 50;
/// Time given to the background work of the last writes.
const SETTLE: Duration = Duration::from_secs(3);

pub async fn run(app: &TestApp, asker: &Session, helper: &Session) {
    let mut topics = Vec::new();
    for i in 0..TOPICS {
        topics.push(new_topic(app, asker, i).await);
    }
    for i in 0..WARM_UP {
        reply(app, helper, &topics[i % TOPICS]).await;
    }
    tokio::time::sleep(SETTLE).await;
    measure(
        app,
        "POST /forums/topics/{id}/posts",
        "reply",
        REPLIES,
        |i| reply(app, helper, &topics[i % TOPICS]),
    )
    .await;
    measure(
        app,
        "POST /forums/topics",
        "topic",
        OTHER_WRITES,
        |i| async move {
            new_topic(app, asker, i).await;
        },
    )
    .await;
    measure(app, "POST /messages", "message", OTHER_WRITES, |i| {
        message(app, helper, asker, i)
    })
    .await;
    let mut drafts = Vec::new();
    for i in 0..OTHER_WRITES {
        drafts.push(draft(app, asker, i).await);
    }
    tokio::time::sleep(SETTLE).await;
    measure(
        app,
        "POST /use-cases/{id}/publish",
        "publication",
        OTHER_WRITES,
        |i| publish(app, asker, &drafts[i]),
    )
    .await;
}

/// Times `count` writes made one after another by `write(i)` and prints the
/// round trips per write.
async fn measure<F, Fut>(app: &TestApp, route: &str, what: &str, count: usize, mut write: F)
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = ()>,
{
    let trips = app.state().backends.round_trips.clone();
    let (requests, workers) = (trips.requests(), trips.workers());
    let mut samples = Vec::with_capacity(count);
    for i in 0..count {
        let t = Instant::now();
        write(i).await;
        samples.push(t.elapsed());
    }
    let request_trips = trips.requests() - requests;
    tokio::time::sleep(SETTLE).await;
    let worker_trips = trips.workers() - workers;
    println!(
        "{route} (one client): {}",
        Latencies::new(samples).summary()
    );
    let per_write = |n: u64| n as f64 / count as f64;
    println!(
        "round trips per {what} ({:?}): request sql {:.2}, documents {:.2}, redis {:.2}; \
         workers sql {:.2}, documents {:.2}, redis {:.2}",
        app.backend,
        per_write(request_trips.sql),
        per_write(request_trips.documents),
        per_write(request_trips.redis),
        per_write(worker_trips.sql),
        per_write(worker_trips.documents),
        per_write(worker_trips.redis),
    );
}

async fn new_topic(app: &TestApp, author: &Session, i: usize) -> String {
    let created = app
        .post(
            "/api/v1/forums/topics",
            author.token(),
            &json!({"title": format!("Replies benchmark topic {i}"), "content": "Why?"}),
        )
        .await;
    created.assert_status(201);
    created.json["topic"]["id"].as_str().unwrap().to_owned()
}

async fn reply(app: &TestApp, author: &Session, topic: &str) {
    app.post(
        &format!("/api/v1/forums/topics/{topic}/posts"),
        author.token(),
        &json!({"content": "Check the shaft runout."}),
    )
    .await
    .assert_status(201);
}

async fn message(app: &TestApp, from: &Session, to: &Session, i: usize) {
    app.post(
        "/api/v1/messages",
        from.token(),
        &json!({"recipient_id": to.user_id, "content": format!("Did it help? {i}")}),
    )
    .await
    .assert_status(201);
}

async fn draft(app: &TestApp, author: &Session, i: usize) -> String {
    let created = app
        .post(
            "/api/v1/use-cases",
            author.token(),
            &json!({
                "title": format!("Benchmark use case {i}"),
                "industry": "Metals",
                "problem_statement": "Scrap rate too high",
                "solution": "Vision inspection",
            }),
        )
        .await;
    created.assert_status(201);
    created.json["id"].as_str().unwrap().to_owned()
}

async fn publish(app: &TestApp, author: &Session, id: &str) {
    app.post(
        &format!("/api/v1/use-cases/{id}/publish"),
        author.token(),
        &json!({}),
    )
    .await
    .assert_status(200);
}
