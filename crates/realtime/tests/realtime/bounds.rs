//! What the in-process structures hold stays within their configured bounds
//! and is reported: the replay log (bytes over all channels, channels) and
//! the hub's subscriptions, which go back to zero when sockets close.

use crate::support::{
    AllowAll, Backend, cleanup, connect, event, hub, log, next, send, subscribe, topic,
};
use async_trait::async_trait;
use p2p_kernel::footprint::{Footprint, Size};
use p2p_kernel::ports::PortError;
use p2p_realtime::frames::EventTemplate;
use p2p_realtime::replay::Feed;
use p2p_realtime::{
    Channel, Connection, ConnectionLimits, Hub, MemoryReplayLog, Replay, ReplayConfig, ReplayLog,
};
use p2p_testkit::member;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

fn gauge(sizes: &[Size], name: &str) -> usize {
    let value = sizes
        .iter()
        .find(|s| s.gauge == name)
        .unwrap_or_else(|| panic!("no {name} in {sizes:?}"))
        .value;
    value as usize
}

fn template(channel: &Channel, n: u64) -> EventTemplate {
    EventTemplate::new(
        channel,
        "post.created",
        &json!({ "n": n, "pad": "x".repeat(100) }),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

async fn append(log: &dyn ReplayLog, channel: &Channel, n: u64) -> u64 {
    log.append(channel, &template(channel, n))
        .await
        .unwrap_or_else(|e| panic!("append: {e}"))
}

#[tokio::test]
async fn the_memory_log_keeps_its_bytes_over_all_channels_within_max_bytes() {
    let max_bytes = 32 * 1024;
    let log = MemoryReplayLog::new(ReplayConfig {
        max_events: 100,
        max_bytes,
        ..ReplayConfig::default()
    });
    let channels: Vec<Channel> = (0..1000).map(|_| topic()).collect();
    let mut appended_bytes = 0;
    for round in 1..=5 {
        for channel in &channels {
            append(&log, channel, round).await;
            appended_bytes += template(channel, round).render(round).len();
            let bytes = gauge(&log.footprint(), "realtime_replay_bytes");
            assert!(
                bytes <= max_bytes,
                "{bytes} bytes retained over {max_bytes}"
            );
        }
    }
    assert!(appended_bytes > 10 * max_bytes, "the test appends far more");
    let sizes = log.footprint();
    assert_eq!(gauge(&sizes, "realtime_replay_channels"), 1000);
    let events = gauge(&sizes, "realtime_replay_events");
    assert!(events > 0 && events < 5000, "{events} events retained");

    // The newest events are still replayed, the oldest are truncated.
    let newest = channels[999];
    match log.read_since(&newest, 4).await {
        Ok(Replay::Events { head: 5, events }) => {
            assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [5]);
        }
        other => panic!("the newest event is replayed, got {other:?}"),
    }
    assert_eq!(
        log.read_since(&channels[0], 0).await.ok(),
        Some(Replay::Truncated { head: 5 }),
        "the oldest events are gone, the sequence is not"
    );
    // Sequences go on without a gap.
    assert_eq!(append(&log, &channels[0], 6).await, 6);
    match log.read_since(&channels[0], 5).await {
        Ok(Replay::Events { head: 6, events }) => assert_eq!(events.len(), 1),
        other => panic!("expected the new event, got {other:?}"),
    }
}

#[tokio::test]
async fn the_memory_log_forgets_the_least_recently_appended_channel_above_max_channels() {
    let log = MemoryReplayLog::new(ReplayConfig {
        max_channels: 3,
        ..ReplayConfig::default()
    });
    let (a, b, c, d) = (topic(), topic(), topic(), topic());
    append(&log, &a, 1).await;
    append(&log, &a, 2).await;
    append(&log, &b, 1).await;
    append(&log, &c, 1).await;
    append(&log, &a, 3).await; // a is now the most recent
    append(&log, &d, 1).await; // b is the least recently appended
    assert_eq!(log.head(&b).await.ok(), Some(0), "b is forgotten");
    for (channel, head) in [(a, 3), (c, 1), (d, 1)] {
        assert_eq!(log.head(&channel).await.ok(), Some(head));
    }
    assert_eq!(gauge(&log.footprint(), "realtime_replay_channels"), 3);
    assert_eq!(gauge(&log.footprint(), "realtime_replay_events"), 5);
    // A client that had seen b's event 1 must resync.
    assert_eq!(
        log.read_since(&b, 1).await.ok(),
        Some(Replay::Truncated { head: 0 })
    );
    assert_eq!(append(&log, &b, 2).await, 1, "b starts over");
    assert_eq!(log.head(&c).await.ok(), Some(0), "then c is forgotten");
    assert_eq!(gauge(&log.footprint(), "realtime_replay_channels"), 3);

    // Many channels: the bound holds and the newest channels keep their heads.
    let many: Vec<Channel> = (0..1000).map(|_| topic()).collect();
    for channel in &many {
        append(&log, channel, 1).await;
    }
    assert_eq!(gauge(&log.footprint(), "realtime_replay_channels"), 3);
    assert_eq!(log.head(&many[999]).await.ok(), Some(1));
    assert_eq!(log.head(&many[0]).await.ok(), Some(0));
}

#[tokio::test]
async fn the_redis_log_keeps_nothing_in_process() {
    let (log, redis) = log(Backend::Redis, ReplayConfig::default()).await;
    append(&*log, &topic(), 1).await;
    assert!(log.footprint().is_empty());
    cleanup(redis).await;
}

fn limits() -> ConnectionLimits {
    ConnectionLimits::default()
}

#[tokio::test]
async fn the_hub_reports_subscriptions_until_their_sockets_close() {
    let (hub, _) = hub(Backend::Memory, ReplayConfig::default()).await;
    let topics: Vec<Channel> = (0..5).map(|_| topic()).collect();
    let mut conns = Vec::new();
    for _ in 0..10 {
        let mut conn = connect(&hub, limits()).await;
        next(&mut conn).await; // subscribed to its own channel
        for channel in &topics {
            subscribe(&mut conn, channel, None).await;
        }
        conns.push(conn);
    }
    for channel in &topics {
        hub.publish_event(&event(channel, 1)).await.ok();
    }
    let sizes = hub.footprint();
    assert_eq!(gauge(&sizes, "realtime_subscribed_channels"), 5 + 10);
    assert_eq!(gauge(&sizes, "realtime_subscriptions"), 10 * 6);
    assert_eq!(gauge(&sizes, "realtime_replay_channels"), 5);
    assert_eq!(gauge(&sizes, "realtime_replay_events"), 5);
    assert!(gauge(&sizes, "realtime_replay_bytes") > 0);
    assert_eq!(Footprint::footprint(&hub), sizes, "the trait says the same");

    // Unsubscribing removes one subscription; a channel left by all is dropped.
    for conn in &mut conns {
        send(
            conn,
            json!({"type": "unsubscribe", "channel": topics[0].to_string()}),
        )
        .await;
    }
    let sizes = hub.footprint();
    assert_eq!(gauge(&sizes, "realtime_subscribed_channels"), 4 + 10);
    assert_eq!(gauge(&sizes, "realtime_subscriptions"), 10 * 5);

    drop(conns);
    let sizes = hub.footprint();
    assert_eq!(gauge(&sizes, "realtime_subscribed_channels"), 0);
    assert_eq!(gauge(&sizes, "realtime_subscriptions"), 0);
}

/// A memory log whose `head` never answers while `stalled`.
struct StallingLog {
    inner: MemoryReplayLog,
    stalled: AtomicBool,
}

impl Footprint for StallingLog {
    fn footprint(&self) -> Vec<Size> {
        self.inner.footprint()
    }
}

#[async_trait]
impl ReplayLog for StallingLog {
    async fn append(&self, channel: &Channel, event: &EventTemplate) -> Result<u64, PortError> {
        self.inner.append(channel, event).await
    }
    async fn read_since(&self, channel: &Channel, since: u64) -> Result<Replay, PortError> {
        self.inner.read_since(channel, since).await
    }
    async fn head(&self, channel: &Channel) -> Result<u64, PortError> {
        if self.stalled.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        self.inner.head(channel).await
    }
    async fn feed(&self) -> Result<Feed, PortError> {
        self.inner.feed().await
    }
}

#[tokio::test]
async fn a_socket_dropped_while_subscribing_leaves_no_subscription() {
    let log = Arc::new(StallingLog {
        inner: MemoryReplayLog::default(),
        stalled: AtomicBool::new(false),
    });
    let hub = Hub::start(log.clone())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut conn =
        Connection::multiplexed(hub.clone(), member(), Arc::new(AllowAll), None, limits()).await;
    next(&mut conn).await;
    log.stalled.store(true, Ordering::SeqCst);
    let frame = json!({"type": "subscribe", "channel": topic().to_string()}).to_string();
    let subscribing = tokio::time::timeout(
        Duration::from_millis(100),
        conn.handle_frame(frame.as_bytes()),
    )
    .await;
    assert!(
        subscribing.is_err(),
        "the subscribe is stuck reading the log"
    );
    assert_eq!(gauge(&hub.footprint(), "realtime_subscriptions"), 2);
    drop(conn);
    let sizes = hub.footprint();
    assert_eq!(gauge(&sizes, "realtime_subscriptions"), 0);
    assert_eq!(gauge(&sizes, "realtime_subscribed_channels"), 0);
}
