//! What follows a reply, a new topic, a private message or a use case
//! published (exact topic counts, notifications, the search index) goes
//! through the event outbox: committed with the write, applied afterwards,
//! so a server that stops between the commit and the effects loses none of
//! them (also when killed with SIGKILL), and an event handled twice (a crash
//! after its effects, before it left the outbox) notifies nobody twice. A
//! poison event is parked after its retries, and its stream goes on; parked
//! events and notification sources are purged after the retention.

use crate::messages::{send_message, signup_named};
use crate::notifications::{create_topic, notifications, reply};
use crate::usecases::{create, use_case};
use async_trait::async_trait;
use futures_util::future::join_all;
use p2p_kernel::DomainError;
use p2p_kernel::outbox::events::{
    EventOutbox, EventOutboxConfig, Handled, OutboxEvent, OutboxHandler, record,
};
use p2p_server::config::Settings;
use p2p_tests::process::{ServerProcess, sibling_server_binary};
use p2p_tests::{Backend, Isolation, PASSWORD, Session, TestApp, unique_email};
use reqwest::Method;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn of_kind(list: &[Value], kind: &str) -> usize {
    list.iter().filter(|n| n["kind"] == kind).count()
}

/// The user's notifications now, without waiting for the outbox.
async fn unsettled(app: &TestApp, user: &Session) -> Vec<Value> {
    let resp = app
        .get("/api/v1/notifications?limit=100", user.token())
        .await;
    resp.assert_status(200);
    resp.json["items"].as_array().cloned().unwrap_or_default()
}

/// Each user has exactly one notification of the kind beside them.
async fn notified_once(app: &TestApp, expected: &[(&Session, &str)]) {
    for (user, kind) in expected {
        let list = notifications(app, user).await;
        assert_eq!(of_kind(&list, kind), 1, "{kind} of {}", user.email);
    }
}

/// A conversation's outbox stream key: its two participants, lower id first.
fn conversation(a: &Session, b: &Session) -> String {
    let (low, high) = if a.user_id <= b.user_id {
        (a, b)
    } else {
        (b, a)
    };
    format!("{}:{}", low.user_id, high.user_id)
}

async fn topic_detail(app: &TestApp, token: Option<&str>, topic: &str) -> Value {
    let resp = app
        .get(&format!("/api/v1/forums/topics/{topic}"), token)
        .await;
    resp.assert_status(200);
    resp.json["topic"].clone()
}

#[tokio::test]
async fn effects_of_a_reply_survive_a_restart_between_commit_and_effects() {
    // This instance takes replies but never works through the outbox: what
    // a server killed right after the commit leaves behind.
    let app = TestApp::spawn_with(|c| c.run_event_outbox = false).await;
    let alice = signup_named(&app, "Alice", "Pumps").await;
    let bob = signup_named(&app, "Bob", "Valves").await;
    let carol = signup_named(&app, "Carol", "Gears").await;
    let topic = create_topic(&app, &alice, "Seal failures on pumps", "What lasts?").await;
    let topic_id = topic["topic"]["id"].as_str().unwrap().to_owned();
    let posted = reply(&app, &bob, &topic_id, None, "@carol.gears PTFE lasts").await;
    let post_id = posted["id"].as_str().unwrap().to_owned();
    assert_eq!(
        posted["content"], "@carol.gears PTFE lasts",
        "the post as stored"
    );
    assert_eq!(posted["mentioned_user_ids"], json!([carol.user_id]));

    // The author reads the raised counts at once; nothing else happened.
    let before = topic_detail(&app, bob.token(), &topic_id).await;
    assert_eq!(before["post_count"], 2);
    assert_eq!(before["reply_count"], 1);
    let db = app.state().backends.db.clone();
    // The topic's `topic.created` and the reply's `post.created`.
    assert_eq!(EventOutbox::pending(&db).await.unwrap(), 2);
    assert_eq!(of_kind(&unsettled(&app, &alice).await, "reply"), 0);

    // Restarted with the worker: everything arrives, once.
    let app = app.restart(|c| c.run_event_outbox = true).await;
    app.settled().await;
    let after = topic_detail(&app, bob.token(), &topic_id).await;
    assert_eq!(after["post_count"], 2);
    assert_eq!(after["participant_count"], 2, "recounted exactly");
    assert_eq!(of_kind(&notifications(&app, &alice).await, "reply"), 1);
    assert_eq!(of_kind(&notifications(&app, &carol).await, "mention"), 1);
    let found = app.get("/api/v1/search?q=ptfe", bob.token()).await;
    found.assert_status(200);
    let hits: Vec<&str> = found.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["id"].as_str())
        .collect();
    assert!(hits.contains(&post_id.as_str()), "indexed: {}", found.text);

    // The same event again (as after a crash once its effects were done):
    // nobody is notified twice, the counts stay exact.
    let db = app.state().backends.db.clone();
    let payload = json!({"post_id": post_id, "topic_id": topic_id});
    record(&db, &format!("topic:{topic_id}"), "post.created", &payload)
        .await
        .unwrap();
    app.settled().await;
    assert_eq!(of_kind(&notifications(&app, &alice).await, "reply"), 1);
    assert_eq!(of_kind(&notifications(&app, &carol).await, "mention"), 1);
    let again = topic_detail(&app, bob.token(), &topic_id).await;
    assert_eq!(again["post_count"], 2);
    assert_eq!(again["participant_count"], 2);
    app.stop().await;
}

#[tokio::test]
async fn effects_of_topics_messages_and_publications_survive_a_restart() {
    let app = TestApp::spawn_with(|c| c.run_event_outbox = false).await;
    let alice = signup_named(&app, "Alice", "Pumps").await;
    let bob = signup_named(&app, "Bob", "Valves").await;
    let carol = signup_named(&app, "Carol", "Gears").await;
    let member = app
        .invite_and_join(&alice, &unique_email("member"), "member")
        .await;
    let topic = create_topic(&app, &alice, "Cavitation in booster pumps", "@carol.gears?").await;
    let topic_id = topic["topic"]["id"].as_str().unwrap().to_owned();
    let message = send_message(&app, &bob, &alice, "Seen your cavitation question").await;
    let message_id = message["id"].as_str().unwrap().to_owned();
    let draft = create(
        &app,
        &alice,
        &use_case("Cavitation cured", "Water", &[], &[], "Dammam"),
    )
    .await;
    let use_case_id = draft["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/use-cases/{use_case_id}/publish"),
        alice.token(),
        &json!({}),
    )
    .await
    .assert_status(200);

    // Committed with their events; nothing followed yet.
    let db = app.state().backends.db.clone();
    assert_eq!(EventOutbox::pending(&db).await.unwrap(), 3);
    assert_eq!(of_kind(&unsettled(&app, &carol).await, "mention"), 0);
    assert_eq!(of_kind(&unsettled(&app, &alice).await, "message"), 0);
    let published = "use_case_published";
    assert_eq!(of_kind(&unsettled(&app, &member).await, published), 0);

    let app = app.restart(|c| c.run_event_outbox = true).await;
    app.settled().await;
    let expected = [
        (&carol, "mention"),
        (&alice, "message"),
        (&member, "use_case_published"),
    ];
    notified_once(&app, &expected).await;
    for (word, id) in [("cavitation", &topic_id), ("cured", &use_case_id)] {
        let found = app
            .get(&format!("/api/v1/search?q={word}"), bob.token())
            .await;
        found.assert_status(200);
        assert!(
            found.text.contains(id.as_str()),
            "{word} indexed: {}",
            found.text
        );
    }

    // The same events again (a crash after their effects): nobody twice.
    let again = [
        (
            format!("topic:{topic_id}"),
            "topic.created",
            json!({"topic_id": topic_id}),
        ),
        (
            format!("conversation:{}", conversation(&alice, &bob)),
            "message.created",
            json!({"message_id": message_id}),
        ),
        (
            format!("use_case:{use_case_id}"),
            "use_case.published",
            json!({"use_case_id": use_case_id, "by": alice.user_id}),
        ),
    ];
    let db = app.state().backends.db.clone();
    for (stream, kind, payload) in &again {
        record(&db, stream, kind, payload).await.unwrap();
    }
    app.settled().await;
    notified_once(&app, &expected).await;
    app.stop().await;
}

/// Fails every event it is given.
struct Poison;

#[async_trait]
impl OutboxHandler for Poison {
    async fn handle(&self, event: &OutboxEvent) -> Result<Handled, DomainError> {
        Err(DomainError::internal(std::io::Error::other(format!(
            "event {} cannot be applied",
            event.id
        ))))
    }
}

/// Counts the events it applies, by payload.
#[derive(Default)]
struct Applied(Mutex<Vec<Value>>);

#[async_trait]
impl OutboxHandler for Applied {
    async fn handle(&self, event: &OutboxEvent) -> Result<Handled, DomainError> {
        self.0.lock().unwrap().push(event.payload.clone());
        Ok(Handled::Done)
    }
}

#[tokio::test]
async fn a_poison_event_is_parked_after_its_retries_and_its_stream_goes_on() {
    // No worker of the server's own: this test's outbox works alone.
    let app = TestApp::spawn_with(|c| c.run_event_outbox = false).await;
    let db = app.state().backends.db.clone();
    let applied = Arc::new(Applied::default());
    let config = EventOutboxConfig {
        max_attempts: 3,
        max_backoff: Duration::ZERO,
        ..EventOutboxConfig::default()
    };
    let outbox = EventOutbox::new(db.clone(), config)
        .with_handler("test.poison", Arc::new(Poison))
        .with_handler("test.applied", applied.clone());
    let stream = format!("test:{}", uuid::Uuid::new_v4());
    let other = format!("test:{}", uuid::Uuid::new_v4());
    record(&db, &stream, "test.applied", &json!({"n": 1}))
        .await
        .unwrap();
    record(&db, &stream, "test.poison", &json!({}))
        .await
        .unwrap();
    record(&db, &stream, "test.applied", &json!({"n": 2}))
        .await
        .unwrap();
    record(&db, &other, "test.applied", &json!({"n": 3}))
        .await
        .unwrap();

    // First pass: 1 and 3 are applied; the poison fails, 2 waits behind it.
    outbox.process_due().await.unwrap();
    assert_eq!(
        *applied.0.lock().unwrap(),
        vec![json!({"n": 1}), json!({"n": 3})]
    );
    assert_eq!(EventOutbox::pending(&db).await.unwrap(), 2);
    assert_eq!(EventOutbox::parked(&db).await.unwrap(), 0);
    // Its second failure; the third parks it, and 2 follows in that pass.
    outbox.process_due().await.unwrap();
    assert_eq!(applied.0.lock().unwrap().len(), 2, "2 waits for the poison");
    outbox.process_due().await.unwrap();
    assert_eq!(applied.0.lock().unwrap().last(), Some(&json!({"n": 2})));
    assert_eq!(EventOutbox::pending(&db).await.unwrap(), 0);
    assert_eq!(EventOutbox::parked(&db).await.unwrap(), 1);
    outbox.process_due().await.unwrap();
    assert_eq!(
        applied.0.lock().unwrap().len(),
        3,
        "a parked event is not retried"
    );

    let metrics = app.get("/metrics", None).await;
    metrics.assert_status(200);
    assert!(
        metrics
            .text
            .lines()
            .any(|l| l.starts_with(r#"event_outbox_parked_total{kind="test.poison"}"#)),
        "parked events are counted: {}",
        metrics.text
    );
    let sample = |prefix: &str| {
        metrics
            .text
            .lines()
            .find_map(|l| l.strip_prefix(prefix)?.trim().parse::<f64>().ok())
    };
    let delays = sample(r#"outbox_delay_seconds_count{outbox="events"}"#).unwrap_or(0.0);
    assert!(
        delays >= 3.0,
        "the delay of each applied event is observed ({delays}): {}",
        metrics.text
    );
    // The recorder is the process's: other tests' workers set the gauge too.
    assert!(
        sample(r#"outbox_oldest_due_seconds{outbox="events"}"#).is_some_and(|age| age >= 0.0),
        "each pass publishes the age of the oldest due event: {}",
        metrics.text
    );
    app.stop().await;
}

async fn count_rows(db: &DatabaseConnection, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) AS n FROM {table}");
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get("", "n").unwrap()
}

#[tokio::test]
async fn parked_events_and_notification_sources_are_purged_after_the_retention() {
    let app = TestApp::spawn_with(|c| c.run_event_outbox = false).await;
    let alice = signup_named(&app, "Alice", "Pumps").await;
    let bob = signup_named(&app, "Bob", "Valves").await;
    let db = app.state().backends.db.clone();
    // Three events parked first (this outbox would take any event due).
    let poison = EventOutboxConfig {
        max_attempts: 1,
        ..EventOutboxConfig::default()
    };
    let stream = format!("test:{}", uuid::Uuid::new_v4());
    for _ in 0..3 {
        record(&db, &stream, "test.poison", &json!({}))
            .await
            .unwrap();
    }
    let parking =
        EventOutbox::new(db.clone(), poison).with_handler("test.poison", Arc::new(Poison));
    parking.process_due().await.unwrap();
    assert_eq!(EventOutbox::parked(&db).await.unwrap(), 3);
    let topic = create_topic(&app, &alice, "Seal failures on pumps", "What lasts?").await;
    let topic_id = topic["topic"]["id"].as_str().unwrap().to_owned();
    for n in 0..5 {
        reply(&app, &bob, &topic_id, None, &format!("Try PTFE {n}")).await;
    }
    // The replies' effects: five reply notifications to Alice, each with its source.
    let app = app.restart(|c| c.run_event_outbox = true).await;
    app.settled().await;
    let db = app.state().backends.db.clone();
    let sources = count_rows(&db, "notification_sources").await;
    assert!(sources >= 5, "{sources} notification sources");

    let retained = app.state().services.outbox_retained.clone();
    let keep = |retention| EventOutboxConfig {
        retention,
        purge_batch: 2,
        ..EventOutboxConfig::default()
    };
    // Younger than the retention: all kept.
    let purger = EventOutbox::new(db.clone(), keep(Duration::from_secs(3600)))
        .with_retained(retained.clone());
    assert_eq!(purger.purge().await, 0);
    assert_eq!(EventOutbox::parked(&db).await.unwrap(), 3);
    assert_eq!(count_rows(&db, "notification_sources").await, sources);
    // Older: all go, two rows per statement.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let purger =
        EventOutbox::new(db.clone(), keep(Duration::from_millis(10))).with_retained(retained);
    let purged = purger.purge().await;
    assert_eq!(purged, 3 + u64::try_from(sources).unwrap());
    assert_eq!(EventOutbox::parked(&db).await.unwrap(), 0);
    assert_eq!(count_rows(&db, "notification_sources").await, 0);
    // What the notifications themselves say stays.
    assert_eq!(
        of_kind(&notifications(&app, &alice).await, "reply"),
        1,
        "grouped"
    );
    app.stop().await;
}

/// A client of a server in its own process.
struct Api {
    base: String,
    client: reqwest::Client,
}

impl Api {
    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn created(&self, path: &str, token: &str, body: Value) -> Value {
        let (status, json) = self.send(Method::POST, path, Some(token), Some(body)).await;
        assert_eq!(status, 201, "{path}: {json}");
        json
    }

    /// Signs up `first last` (own organization): access token and user id.
    async fn signup(&self, first: &str, last: &str) -> (String, String) {
        let body = json!({
            "email": unique_email(&first.to_lowercase()), "password": PASSWORD,
            "first_name": first, "last_name": last, "organization_name": format!("{last} Co"),
        });
        let (status, json) = self
            .send(Method::POST, "/api/v1/auth/signup", None, Some(body))
            .await;
        assert_eq!(status, 201, "signup: {json}");
        let token = json["access_token"].as_str().unwrap().to_owned();
        (token, json["user"]["id"].as_str().unwrap().to_owned())
    }

    async fn count_of_kind(&self, token: &str, kind: &str) -> usize {
        let (status, json) = self
            .send(
                Method::GET,
                "/api/v1/notifications?limit=100",
                Some(token),
                None,
            )
            .await;
        assert_eq!(status, 200, "{json}");
        of_kind(json["items"].as_array().unwrap(), kind)
    }
}

const TOPICS: usize = 4;
const REPLIES: usize = 3;
const MESSAGES: usize = 6;

#[tokio::test]
async fn kill_9_right_after_the_acknowledgements_loses_no_effect_and_repeats_none() {
    let backend = Backend::from_env();
    let mut isolation = Isolation::new();
    let mut raw = isolation.config(backend).await;
    // Every reply its own notification, so that they can be counted.
    raw.notification_group_secs = 0;
    std::fs::create_dir_all(&isolation.data_dir).expect("data dir");
    let log = isolation.data_dir.with_extension("log");
    let binary = sibling_server_binary();
    let mut server = ServerProcess::spawn(&binary, raw.clone(), &log).await;
    let api = Api {
        base: server.base.clone(),
        client: reqwest::Client::new(),
    };
    let (alice, alice_id) = api.signup("Alice", "Pumps").await;
    let (bob, _) = api.signup("Bob", "Valves").await;
    let word = format!("crash{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);

    // Topics mentioning Bob, then Bob's replies and messages all at once;
    // SIGKILL as soon as the last one is acknowledged.
    let topics = join_all((0..TOPICS).map(|n| {
        let body = json!({"title": format!("Pump {n}: {word}"), "content": format!("@bob.valves {word}?")});
        api.created("/api/v1/forums/topics", &alice, body)
    }))
    .await;
    let topic_ids: Vec<String> = topics
        .iter()
        .map(|t| t["topic"]["id"].as_str().unwrap().to_owned())
        .collect();
    let replies = topic_ids
        .iter()
        .flat_map(|topic| (0..REPLIES).map(move |n| (topic.clone(), n)));
    let replies = join_all(replies.map(|(topic, n)| {
        let body = json!({"content": format!("{word} reply {n}")});
        let path = format!("/api/v1/forums/topics/{topic}/posts");
        let api = &api;
        let bob = &bob;
        async move { api.created(&path, bob, body).await }
    }));
    let messages = join_all((0..MESSAGES).map(|n| {
        let body = json!({"recipient_id": alice_id, "content": format!("Message {n}")});
        api.created("/api/v1/messages", &bob, body)
    }));
    let (replies, _) = tokio::join!(replies, messages);
    server.kill();

    let settings = Settings::from_config(raw.clone()).expect("settings");
    let db = sea_orm::Database::connect(settings.database_url.expose().as_str())
        .await
        .expect("the server's database");
    let left = EventOutbox::pending(&db).await.unwrap();
    println!("{backend:?}: {left} outbox events pending when the server was killed");

    // Restarted on the same data: everything arrives, once.
    let server = ServerProcess::spawn(&binary, raw, &log).await;
    let api = Api {
        base: server.base.clone(),
        client: reqwest::Client::new(),
    };
    // On SQLite the new process releases the dead one's claims at once; on
    // PostgreSQL (instances share it) they expire after `claim_for`.
    let claims = EventOutboxConfig::default().claim_for;
    let deadline = std::time::Instant::now() + claims + Duration::from_secs(30);
    while EventOutbox::pending(&db).await.unwrap() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "outbox not worked through"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(EventOutbox::parked(&db).await.unwrap(), 0);
    assert_eq!(api.count_of_kind(&bob, "mention").await, TOPICS);
    assert_eq!(api.count_of_kind(&alice, "reply").await, TOPICS * REPLIES);
    assert_eq!(api.count_of_kind(&alice, "message").await, MESSAGES);
    for topic in &topic_ids {
        let (status, json) = api
            .send(
                Method::GET,
                &format!("/api/v1/forums/topics/{topic}"),
                Some(&bob),
                None,
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(json["topic"]["post_count"], 1 + REPLIES, "{json}");
        assert_eq!(json["topic"]["participant_count"], 2, "{json}");
    }
    let (status, found) = api
        .send(
            Method::GET,
            &format!("/api/v1/search?q={word}&limit=100"),
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let found = found.to_string();
    let reply_ids = replies.iter().map(|r| r["id"].as_str().unwrap().to_owned());
    for id in topic_ids.iter().cloned().chain(reply_ids) {
        assert!(found.contains(&id), "{id} indexed: {found}");
    }
    drop(server);
    db.close().await.ok();
    isolation.cleanup().await;
}
