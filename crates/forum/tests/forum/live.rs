//! A new post's realtime event reaches every subscriber once: published by the
//! request at once and again by its event-outbox handler, keyed by the post, so
//! that a publication that failed (the realtime backend down) is retried by the
//! outbox and one that succeeded is not delivered twice.

use crate::support::Env;
use async_trait::async_trait;
use futures_util::FutureExt;
use futures_util::StreamExt;
use p2p_kernel::Event;
use p2p_kernel::adapters::memory::BroadcastEventBus;
use p2p_kernel::ids::{OrgId, PostId, TopicId};
use p2p_kernel::outbox::events::{EventOutbox, EventOutboxConfig, OutboxLink};
use p2p_kernel::ports::{EventBus, PortError};
use p2p_realtime::replay::{Feed, FeedItem};
use p2p_realtime::{Channel, Hub, MemoryReplayLog, Replay, ReplayConfig, ReplayLog};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// The realtime hub behind a backend that refuses the next `failures` publications.
struct Flaky {
    hub: Hub,
    failures: AtomicUsize,
}

#[async_trait]
impl EventBus for Flaky {
    async fn publish(&self, event: Event) -> Result<(), PortError> {
        let down = self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if down {
            return Err(PortError::new("redis", "connection refused"));
        }
        self.hub.publish(event).await
    }
}

/// The forum of `env` publishing through a [`Flaky`] hub over an in-memory
/// replay log, and an event outbox running its handlers without backoff.
struct Live {
    log: Arc<MemoryReplayLog>,
    feed: Feed,
    fanout: Arc<Flaky>,
    outbox: EventOutbox,
}

impl Live {
    async fn connect(env: &Env) -> Self {
        let log = Arc::new(MemoryReplayLog::new(ReplayConfig::default()));
        let feed = log.feed().await.unwrap();
        let hub = Hub::start(log.clone()).await.unwrap();
        let fanout = Arc::new(Flaky {
            hub,
            failures: AtomicUsize::new(0),
        });
        env.service.connect_event_outbox(OutboxLink {
            wake: Arc::new(Notify::new()),
            fanout: fanout.clone(),
        });
        let config = EventOutboxConfig {
            max_backoff: Duration::ZERO,
            ..EventOutboxConfig::default()
        };
        let mut outbox = EventOutbox::new(env.db.clone(), config);
        for (kind, handler) in env
            .service
            .outbox_handlers(Arc::new(BroadcastEventBus::default()))
        {
            outbox = outbox.with_handler(kind, handler);
        }
        Self {
            log,
            feed,
            fanout,
            outbox,
        }
    }
}

/// The ids of the `post.created` events of `feed` so far (what every live subscriber gets).
fn live_posts(feed: &mut Feed) -> Vec<String> {
    let mut ids = Vec::new();
    while let Some(Some(item)) = feed.next().now_or_never() {
        if let FeedItem::Event(event) = item {
            let frame: serde_json::Value = serde_json::from_slice(&event.frame).unwrap();
            if frame["event"] == "post.created" {
                ids.push(frame["data"]["id"].as_str().unwrap().to_owned());
            }
        }
    }
    ids
}

/// The `post.created` events `log` holds for `topic` (what a client resuming gets).
async fn logged_posts(log: &MemoryReplayLog, topic: TopicId) -> Vec<String> {
    let channel = Channel::parse(&format!("topic:{topic}")).unwrap();
    let Replay::Events { events, .. } = log.read_since(&channel, 0).await.unwrap() else {
        panic!("the log holds every event of the topic");
    };
    events
        .iter()
        .map(|e| serde_json::from_slice::<serde_json::Value>(&e.frame).unwrap())
        .filter(|f| f["event"] == "post.created")
        .map(|f| f["data"]["id"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn a_failed_publication_is_retried_by_the_outbox_and_delivered_once(env: Env) {
    let Live {
        log,
        mut feed,
        fanout,
        outbox,
    } = Live::connect(&env).await;
    let ann = env.member(OrgId::new());
    let topic = env.topic(&ann, "Live replies").await;
    let first: PostId = topic.first_post.id;
    outbox.process_due().await.unwrap();

    // The realtime backend refuses the reply's publication by the request.
    fanout.failures.store(1, Ordering::SeqCst);
    let lost = env
        .reply(&ann, topic.topic.id, None, "published later")
        .await;
    assert_eq!(live_posts(&mut feed), [first.to_string()]);
    assert_eq!(fanout.failures.load(Ordering::SeqCst), 0, "it was refused");
    // Its outbox event publishes it.
    outbox.process_due().await.unwrap();
    assert_eq!(live_posts(&mut feed), [lost.id.to_string()]);

    // A publication that went through is not repeated by the outbox.
    let kept = env
        .reply(&ann, topic.topic.id, None, "published at once")
        .await;
    outbox.process_due().await.unwrap();
    assert_eq!(live_posts(&mut feed), [kept.id.to_string()]);
    assert_eq!(
        logged_posts(&log, topic.topic.id).await,
        [first.to_string(), lost.id.to_string(), kept.id.to_string()],
        "each post once in the replay log"
    );
    assert_eq!(EventOutbox::pending(&env.db).await.unwrap(), 0);
}

/// While the realtime backend stays down, the outbox event stays pending (retried), and
/// the post goes out once it is back.
pub async fn an_outbox_event_waits_while_the_realtime_backend_is_down(env: Env) {
    let Live {
        mut feed,
        fanout,
        outbox,
        ..
    } = Live::connect(&env).await;
    let ann = env.member(OrgId::new());
    let topic = env.topic(&ann, "Down for a while").await;
    outbox.process_due().await.unwrap();
    live_posts(&mut feed);

    // The request's publication and the outbox's first two attempts are refused.
    fanout.failures.store(3, Ordering::SeqCst);
    let post = env.reply(&ann, topic.topic.id, None, "waits").await;
    outbox.process_due().await.unwrap();
    outbox.process_due().await.unwrap();
    assert!(live_posts(&mut feed).is_empty());
    assert_eq!(
        EventOutbox::pending(&env.db).await.unwrap(),
        1,
        "retried, not dropped"
    );
    outbox.process_due().await.unwrap();
    assert_eq!(live_posts(&mut feed), [post.id.to_string()]);
    assert_eq!(EventOutbox::pending(&env.db).await.unwrap(), 0);
}

p2p_testkit::on_both!(
    a_failed_publication_is_retried_by_the_outbox_and_delivered_once,
    an_outbox_event_waits_while_the_realtime_backend_is_down,
);
