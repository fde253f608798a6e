//! What one write costs each backend, as the adapters count it
//! (`p2p_kernel::round_trips`): statements to PostgreSQL or SQLite, commands
//! to MongoDB, commands or pipelines to Redis. The request's own round trips
//! are asserted (the background workers' are counted apart and printed), so
//! the test fails when a change adds a round trip to a write path, and is
//! tightened when one is taken out. Measured: a reply, a new topic, a
//! private message and publishing a use case, each after one unmeasured
//! write of its kind (which warms caches).

use crate::messages::{send_message, signup_named};
use crate::notifications::{create_topic, reply};
use crate::usecases::{create, use_case};
use p2p_kernel::round_trips::{RoundTrips, Trips};
use p2p_tests::{Backend, TestApp};
use serde_json::json;

/// Writes of each kind measured after the first.
const MEASURED: usize = 3;

/// The request's round trips while `write` runs.
async fn cost_of<T>(trips: &RoundTrips, what: &str, write: impl Future<Output = T>) -> Trips {
    let before = trips.requests();
    let workers_before = trips.workers();
    write.await;
    let cost = trips.requests() - before;
    println!(
        "{what}: request {cost}; workers meanwhile {}",
        trips.workers() - workers_before
    );
    cost
}

fn trips(sql: u64, documents: u64, redis: u64) -> Trips {
    Trips {
        sql,
        documents,
        redis,
    }
}

/// The expected cost of each write kind on `backend`: (embedded, full).
fn expect(backend: Backend, embedded: Trips, full: Trips) -> Vec<Trips> {
    let one = match backend {
        Backend::Embedded => embedded,
        Backend::Full => full,
    };
    vec![one; MEASURED]
}

#[tokio::test]
async fn each_write_costs_a_known_number_of_round_trips() {
    let app = TestApp::spawn().await;
    let asker = signup_named(&app, "Asker", "Pumps").await;
    let helper = signup_named(&app, "Helper", "Valves").await;
    let rt = app.state().backends.round_trips.clone();
    let backend = app.backend;
    let (mut replies, mut topics, mut messages, mut publications) =
        (vec![], vec![], vec![], vec![]);
    for attempt in 0..=MEASURED {
        let title = format!("Seal wear on a gear pump {attempt}");
        let write = create_topic(&app, &asker, &title, "Why? @helper.valves");
        let topic_cost = cost_of(&rt, &format!("topic {attempt} on {backend:?}"), write).await;
        let topic = create_topic(&app, &asker, &title, "Why?").await;
        let topic_id = topic["topic"]["id"].as_str().unwrap();
        let write = reply(&app, &helper, topic_id, None, "Check the shaft runout.");
        let reply_cost = cost_of(&rt, &format!("reply {attempt} on {backend:?}"), write).await;
        let write = send_message(&app, &helper, &asker, "Did it help?");
        let message_cost = cost_of(&rt, &format!("message {attempt} on {backend:?}"), write).await;
        let draft = create(
            &app,
            &asker,
            &use_case("Scrap down", "Metals", &["ML"], &[], "Jeddah"),
        )
        .await;
        let path = format!(
            "/api/v1/use-cases/{}/publish",
            draft["id"].as_str().unwrap()
        );
        let write = async {
            app.post(&path, asker.token(), &json!({}))
                .await
                .assert_status(200);
        };
        let publish_cost = cost_of(&rt, &format!("publish {attempt} on {backend:?}"), write).await;
        if attempt > 0 {
            topics.push(topic_cost);
            replies.push(reply_cost);
            messages.push(message_cost);
            publications.push(publish_cost);
        }
    }
    // A reply, in one transaction: the topic read (locked on PostgreSQL),
    // the `post.created` outbox event, the post (MongoDB's on the full
    // stack), the topic's raised counts; then the author's summary. On Redis
    // the session check and the event's sequence/replay/publish script. The
    // rest (exact counts, notifications, search index) is the outbox
    // worker's. Before the outbox: embedded 12 statements; full 9
    // statements, 2 MongoDB commands, 3 Redis calls.
    assert_eq!(
        replies,
        expect(backend, trips(5, 0, 0), trips(4, 1, 2)),
        "round trips of one reply"
    );
    // A new topic: its mentions resolved, then in one transaction the
    // first post (MongoDB's on the full stack, just before the commit), the
    // topic and its `topic.created` event; the author's summary. On Redis
    // the session check and the two events' scripts (`topic.created` on the
    // forum channel, the first post's `post.created` on the topic's).
    assert_eq!(
        topics,
        expect(backend, trips(5, 0, 0), trips(4, 1, 3)),
        "round trips of one new topic"
    );
    // A message: both users' summaries, the blocks either way, then in one
    // transaction the message, both conversations and `message.created`.
    // On Redis the session check, the send limit and the event's scripts on
    // both users' channels. The recipient's notification is the worker's.
    assert_eq!(
        messages,
        expect(backend, trips(6, 0, 0), trips(6, 0, 4)),
        "round trips of one private message"
    );
    // Publishing: the use case read, then its `use_case.published` event
    // and the use case written (relational: one transaction of the event,
    // the row, its facet terms; MongoDB: the event committed, then the
    // document). On Redis the session check, the facet cache's new
    // generation and the event's script. The members' notifications and
    // the index are the worker's.
    assert_eq!(
        publications,
        expect(backend, trips(5, 0, 0), trips(1, 2, 3)),
        "round trips of publishing one use case"
    );
    app.stop().await;
}
