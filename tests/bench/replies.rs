//! Reply POST latency over HTTP, one client, and the round trips one reply
//! costs each backend (`p2p_kernel::round_trips`): the request's own, and the
//! background workers' (search indexer, trending, and the periodic polls of
//! the mail outbox and digests, a few statements every 2 s) per reply.

use p2p_tests::stats::Latencies;
use p2p_tests::{Session, TestApp};
use serde_json::json;
use std::time::{Duration, Instant};

const TOPICS: usize = 10;
const WARM_UP: usize = 10;
const REPLIES: usize = 200;
/// Time given to the background work of the last replies.
const SETTLE: Duration = Duration::from_secs(3);

pub async fn run(app: &TestApp, asker: &Session, helper: &Session) {
    let mut topics = Vec::new();
    for i in 0..TOPICS {
        let created = app
            .post(
                "/api/v1/forums/topics",
                asker.token(),
                &json!({"title": format!("Replies benchmark topic {i}"), "content": "Why?"}),
            )
            .await;
        created.assert_status(201);
        topics.push(created.json["topic"]["id"].as_str().unwrap().to_owned());
    }
    for i in 0..WARM_UP {
        reply(app, helper, &topics[i % TOPICS]).await;
    }
    tokio::time::sleep(SETTLE).await;
    let trips = app.state().backends.round_trips.clone();
    let (requests, workers) = (trips.requests(), trips.workers());
    let mut samples = Vec::with_capacity(REPLIES);
    for i in 0..REPLIES {
        let t = Instant::now();
        reply(app, helper, &topics[i % TOPICS]).await;
        samples.push(t.elapsed());
    }
    let request_trips = trips.requests() - requests;
    tokio::time::sleep(SETTLE).await;
    let worker_trips = trips.workers() - workers;
    println!(
        "POST /forums/topics/{{id}}/posts (one client): {}",
        Latencies::new(samples).summary()
    );
    let per_reply = |n: u64| n as f64 / REPLIES as f64;
    println!(
        "round trips per reply ({:?}): request sql {:.2}, documents {:.2}, redis {:.2}; \
         workers sql {:.2}, documents {:.2}, redis {:.2}",
        app.backend,
        per_reply(request_trips.sql),
        per_reply(request_trips.documents),
        per_reply(request_trips.redis),
        per_reply(worker_trips.sql),
        per_reply(worker_trips.documents),
        per_reply(worker_trips.redis),
    );
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
