//! What one forum reply costs each backend, as the adapters count it
//! (`p2p_kernel::round_trips`): statements to PostgreSQL or SQLite, commands
//! to MongoDB, commands or pipelines to Redis. The request's own round trips
//! are asserted (the background workers' are counted apart and printed), so
//! the test fails when a change adds a round trip to the write path, and is
//! tightened when one is taken out.

use crate::notifications::{create_topic, reply};
use p2p_kernel::round_trips::Trips;
use p2p_tests::{Backend, TestApp, unique_email};

/// Replies measured after the first (which warms caches).
const MEASURED: usize = 3;

#[tokio::test]
async fn one_reply_costs_a_known_number_of_round_trips() {
    let app = TestApp::spawn().await;
    let asker = app.signup(&unique_email("asker")).await;
    let helper = app.signup(&unique_email("helper")).await;
    let trips = app.state().backends.round_trips.clone();
    let mut costs = Vec::new();
    for attempt in 0..=MEASURED {
        let topic = create_topic(&app, &asker, "Seal wear on a gear pump", "Why?").await;
        let topic_id = topic["topic"]["id"].as_str().unwrap();
        let before = trips.requests();
        let workers_before = trips.workers();
        reply(&app, &helper, topic_id, None, "Check the shaft runout.").await;
        let cost = trips.requests() - before;
        println!(
            "reply {attempt} on {:?}: request {cost}; workers meanwhile {}",
            app.backend,
            trips.workers() - workers_before
        );
        if attempt > 0 {
            costs.push(cost);
        }
    }
    // One transaction: the topic read (locked on PostgreSQL), the
    // `post.created` outbox event, the post (MongoDB's on the full stack),
    // the topic's raised counts; then the author's summary. On Redis the
    // session check and the event's sequence/replay/publish script. The
    // rest (exact counts, notifications, search index) is the outbox
    // worker's. Before the outbox: embedded 12 statements; full 9
    // statements, 2 MongoDB commands, 3 Redis calls.
    let expected = match app.backend {
        Backend::Embedded => Trips {
            sql: 5,
            documents: 0,
            redis: 0,
        },
        Backend::Full => Trips {
            sql: 4,
            documents: 1,
            redis: 2,
        },
    };
    assert_eq!(costs, vec![expected; MEASURED], "round trips of one reply");
    app.stop().await;
}
