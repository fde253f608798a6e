//! The hub: sequence numbers, replay then live delivery, resync, gap repair,
//! and fan-out between two instances sharing one Redis.

use crate::support::{
    Backend, REDIS_POOL, cleanup, config, connect, event, expect_events, hub, maybe_next, next,
    subscribe, topic,
};
use async_trait::async_trait;
use futures_util::StreamExt;
use p2p_kernel::ports::{EventBus, PortError};
use p2p_realtime::frames::EventTemplate;
use p2p_realtime::replay::{Feed, FeedItem};
use p2p_realtime::{
    Channel, Connection, ConnectionLimits, Hub, MemoryReplayLog, Replay, ReplayConfig, ReplayLog,
    ServerFrame,
};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

fn limits() -> ConnectionLimits {
    ConnectionLimits {
        queue_capacity: 10_000,
        max_replay_events: 10_000,
        ..ConnectionLimits::default()
    }
}

async fn numbers_events_per_channel(backend: Backend) {
    let (hub, redis) = hub(backend, ReplayConfig::default()).await;
    let (a, b) = (topic(), topic());
    let mut got = Vec::new();
    for (channel, n) in [(a, 1), (a, 2), (b, 1), (a, 3), (b, 2)] {
        got.push(hub.publish_event(&event(&channel, n)).await.ok());
    }
    assert_eq!(got, [Some(1), Some(2), Some(1), Some(3), Some(2)]);
    assert!(
        hub.publish_event(&p2p_kernel::Event::new(
            "nope",
            "x",
            serde_json::Value::Null
        ))
        .await
        .is_err(),
        "an invalid channel is refused"
    );
    // Through the EventBus port the failure is returned too (and counted).
    assert!(
        EventBus::publish(
            &hub,
            p2p_kernel::Event::new("bad", "x", serde_json::Value::Null),
        )
        .await
        .is_err()
    );
    cleanup(redis).await;
}

async fn live_events_reach_subscribers_in_order(backend: Backend) {
    let (hub, redis) = hub(backend, ReplayConfig::default()).await;
    let channel = topic();
    let mut first = connect(&hub, limits()).await;
    let mut second = connect(&hub, limits()).await;
    next(&mut first).await; // subscribed to its own user channel
    next(&mut second).await;
    assert_eq!(subscribe(&mut first, &channel, None).await, 0);
    assert_eq!(subscribe(&mut second, &channel, None).await, 0);
    assert_eq!(hub.local_subscribers(&channel), 2);
    for n in 1..=20 {
        EventBus::publish(&hub, event(&channel, n))
            .await
            .expect("published");
    }
    expect_events(&mut first, &channel, 1, 20).await;
    expect_events(&mut second, &channel, 1, 20).await;
    drop(first);
    assert_eq!(
        hub.local_subscribers(&channel),
        1,
        "a dropped connection unsubscribes"
    );
    cleanup(redis).await;
}

/// Subscribers join (with and without `since`) while a publisher is busy:
/// each gets the replay then the live events, with no gap and no duplicate.
async fn replay_then_live_under_concurrent_publishing(backend: Backend) {
    let (hub, redis) = hub(backend, config(1000)).await;
    let channel = topic();
    const TOTAL: u64 = 400;
    let publisher = {
        let hub = hub.clone();
        tokio::spawn(async move {
            for n in 1..=TOTAL {
                hub.publish_event(&event(&channel, n)).await.ok();
                if n % 20 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        })
    };
    let mut subscribers = Vec::new();
    for round in 0..8u64 {
        // Join at different moments of the publishing.
        tokio::time::sleep(Duration::from_millis(5)).await;
        let hub = hub.clone();
        subscribers.push(tokio::spawn(async move {
            let mut conn = connect(&hub, limits()).await;
            next(&mut conn).await;
            // A `since` ahead of the channel's head means its counter started
            // over (answered with resync_required): resume from at most the head.
            let since = if round % 2 == 0 {
                let head = hub.head(&channel).await.unwrap_or(0);
                Some((round * 3).min(head))
            } else {
                None
            };
            let head = subscribe(&mut conn, &channel, since).await;
            let first = since.map_or(head + 1, |s| s + 1);
            expect_events(&mut conn, &channel, first, TOTAL).await;
            assert!(
                maybe_next(&mut conn, Duration::from_millis(100))
                    .await
                    .is_none(),
                "nothing after the last event"
            );
        }));
    }
    publisher.await.ok();
    for subscriber in subscribers {
        subscriber
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    }
    cleanup(redis).await;
}

async fn resync_when_since_is_older_than_the_window(backend: Backend) {
    let (hub, redis) = hub(backend, config(5)).await;
    let channel = topic();
    for n in 1..=300 {
        hub.publish_event(&event(&channel, n)).await.ok();
    }
    let mut conn = connect(&hub, limits()).await;
    next(&mut conn).await;
    assert_eq!(subscribe(&mut conn, &channel, Some(1)).await, 300);
    assert_eq!(
        next(&mut conn).await,
        ServerFrame::ResyncRequired {
            channel: channel.to_string(),
            from_seq: 301
        }
    );
    hub.publish_event(&event(&channel, 301)).await.ok();
    expect_events(&mut conn, &channel, 301, 301).await;
    // Within the window, the replay is exact.
    let mut late = connect(&hub, limits()).await;
    next(&mut late).await;
    assert_eq!(subscribe(&mut late, &channel, Some(298)).await, 301);
    expect_events(&mut late, &channel, 299, 301).await;
    cleanup(redis).await;
}

crate::support::on_both_logs!(
    numbers_events_per_channel,
    live_events_reach_subscribers_in_order,
    replay_then_live_under_concurrent_publishing,
    resync_when_since_is_older_than_the_window,
);

/// Two hubs on one Redis prefix are two server instances: an event published
/// on either reaches the subscribers of both, numbered in one sequence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_sequences_and_fan_out() {
    let redis_a = p2p_testkit::redis(REDIS_POOL).await;
    let redis_b = p2p_testkit::same_redis(&redis_a, REDIS_POOL);
    let a = Hub::redis(redis_a.clone(), ReplayConfig::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let b = Hub::redis(redis_b, ReplayConfig::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let channel = topic();
    let mut on_a = connect(&a, limits()).await;
    let mut on_b = connect(&b, limits()).await;
    next(&mut on_a).await;
    next(&mut on_b).await;
    subscribe(&mut on_a, &channel, None).await;
    subscribe(&mut on_b, &channel, None).await;

    assert_eq!(a.publish_event(&event(&channel, 1)).await.ok(), Some(1));
    assert_eq!(b.publish_event(&event(&channel, 2)).await.ok(), Some(2));
    assert_eq!(a.publish_event(&event(&channel, 3)).await.ok(), Some(3));
    expect_events(&mut on_a, &channel, 1, 3).await;
    expect_events(&mut on_b, &channel, 1, 3).await;

    // A client reconnecting to the other instance resumes exactly.
    let mut moved = connect(&b, limits()).await;
    next(&mut moved).await;
    assert_eq!(subscribe(&mut moved, &channel, Some(1)).await, 3);
    expect_events(&mut moved, &channel, 2, 3).await;
    let _ = redis_a.delete_prefixed().await;
}

/// A log whose feed loses chosen events and can announce a resumption,
/// as a Redis subscription does across an outage.
struct LossyLog {
    inner: MemoryReplayLog,
    lose: Arc<Mutex<HashSet<u64>>>,
    control: Mutex<Option<mpsc::UnboundedReceiver<FeedItem>>>,
}

impl p2p_kernel::footprint::Footprint for LossyLog {
    fn footprint(&self) -> Vec<p2p_kernel::footprint::Size> {
        self.inner.footprint()
    }
}

#[async_trait]
impl ReplayLog for LossyLog {
    async fn append(&self, channel: &Channel, event: &EventTemplate) -> Result<u64, PortError> {
        self.inner.append(channel, event).await
    }
    async fn read_since(&self, channel: &Channel, since: u64) -> Result<Replay, PortError> {
        self.inner.read_since(channel, since).await
    }
    async fn head(&self, channel: &Channel) -> Result<u64, PortError> {
        self.inner.head(channel).await
    }
    async fn feed(&self) -> Result<Feed, PortError> {
        let lose = self.lose.clone();
        let events = self.inner.feed().await?.filter(move |item| {
            let keep = match item {
                FeedItem::Event(e) => !lose.lock().map(|l| l.contains(&e.seq)).unwrap_or(false),
                FeedItem::Resumed => true,
            };
            std::future::ready(keep)
        });
        let mut control = self
            .control
            .lock()
            .ok()
            .and_then(|mut c| c.take())
            .unwrap_or_else(|| mpsc::unbounded_channel().1);
        let control = futures_util::stream::poll_fn(move |cx| control.poll_recv(cx));
        Ok(futures_util::stream::select(events, control).boxed())
    }
}

/// A connection subscribed to a fresh topic on a hub over a [`LossyLog`]
/// losing the events numbered `lose` from its feed.
struct OverLossyLog {
    hub: Hub,
    /// Injects feed items (a resumption).
    control: mpsc::UnboundedSender<FeedItem>,
    channel: Channel,
    conn: Connection,
}

impl OverLossyLog {
    async fn subscribed(config: ReplayConfig, lose: &[u64]) -> Self {
        let (control, rx) = mpsc::unbounded_channel();
        let log = LossyLog {
            inner: MemoryReplayLog::new(config),
            lose: Arc::new(Mutex::new(lose.iter().copied().collect())),
            control: Mutex::new(Some(rx)),
        };
        let hub = Hub::start(Arc::new(log))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let channel = topic();
        let mut conn = connect(&hub, limits()).await;
        next(&mut conn).await;
        subscribe(&mut conn, &channel, None).await;
        Self {
            hub,
            control,
            channel,
            conn,
        }
    }

    /// Publishes events `1..=last` on the channel.
    async fn publish(&self, last: u64) {
        for n in 1..=last {
            self.hub.publish_event(&event(&self.channel, n)).await.ok();
        }
    }
}

#[tokio::test]
async fn a_gap_in_the_feed_is_filled_from_the_log() {
    let mut t = OverLossyLog::subscribed(ReplayConfig::default(), &[3, 4]).await;
    t.publish(6).await;
    expect_events(&mut t.conn, &t.channel, 1, 6).await;
}

#[tokio::test]
async fn events_lost_before_a_resumption_are_caught_up() {
    let mut t = OverLossyLog::subscribed(ReplayConfig::default(), &[2, 3]).await;
    t.publish(3).await;
    expect_events(&mut t.conn, &t.channel, 1, 1).await;
    assert!(
        maybe_next(&mut t.conn, Duration::from_millis(100))
            .await
            .is_none()
    );
    t.control.send(FeedItem::Resumed).ok();
    expect_events(&mut t.conn, &t.channel, 2, 3).await;
}

#[tokio::test]
async fn an_unrecoverable_gap_asks_for_a_resync() {
    let mut t = OverLossyLog::subscribed(config(2), &[2, 3, 4]).await;
    t.publish(6).await;
    expect_events(&mut t.conn, &t.channel, 1, 1).await;
    // 2..4 were lost and 2 is no longer in the two-event window.
    assert_eq!(
        next(&mut t.conn).await,
        ServerFrame::ResyncRequired {
            channel: t.channel.to_string(),
            from_seq: 5
        }
    );
    expect_events(&mut t.conn, &t.channel, 5, 6).await;
}
