//! Shared helpers: backends, authorizers and frame collection (Redis and
//! callers come from the shared harness, `p2p_testkit`).

use async_trait::async_trait;
use p2p_kernel::adapters::redis::RedisConnection;
use p2p_kernel::ids::TopicId;
use p2p_kernel::{Actor, DomainError, Event};
use p2p_realtime::{
    Channel, ChannelAuthorizer, ChannelRules, Connection, ConnectionLimits, Hub, MemoryReplayLog,
    Next, RedisReplayLog, ReplayConfig, ReplayLog, ServerFrame, TopicLookup,
};
use serde_json::json;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The two replay backends.
#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Memory,
    Redis,
}

/// Connections of a test's Redis pool.
pub const REDIS_POOL: usize = 8;

/// Runs each `async fn(Backend)` as two tests, `memory::<name>` and `redis::<name>`.
macro_rules! on_both_logs {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::support::Backend::Memory).await;
                }
            )*
        }
        mod redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(crate::support::Backend::Redis).await;
                }
            )*
        }
    };
}
pub(crate) use on_both_logs;

/// A replay log on `backend`, and the Redis connection to clean up, if any.
pub async fn log(
    backend: Backend,
    config: ReplayConfig,
) -> (Arc<dyn ReplayLog>, Option<RedisConnection>) {
    match backend {
        Backend::Memory => (Arc::new(MemoryReplayLog::new(config)), None),
        Backend::Redis => {
            let redis = p2p_testkit::redis(REDIS_POOL).await;
            (
                Arc::new(RedisReplayLog::new(redis.clone(), config)),
                Some(redis),
            )
        }
    }
}

/// A hub on `backend`, and the Redis connection to clean up, if any.
pub async fn hub(backend: Backend, config: ReplayConfig) -> (Hub, Option<RedisConnection>) {
    let (log, redis) = log(backend, config).await;
    (
        Hub::start(log).await.unwrap_or_else(|e| panic!("{e}")),
        redis,
    )
}

pub async fn cleanup(redis: Option<RedisConnection>) {
    if let Some(redis) = redis {
        let _ = redis.delete_prefixed().await;
    }
}

pub fn config(max_events: usize) -> ReplayConfig {
    ReplayConfig {
        max_events,
        ..ReplayConfig::default()
    }
}

pub fn topic() -> Channel {
    Channel::topic(TopicId::new())
}

pub fn event(channel: &Channel, n: u64) -> Event {
    Event::new(channel.to_string(), "post.created", json!({ "n": n }))
}

/// Lets everyone subscribe to anything.
pub struct AllowAll;

#[async_trait]
impl ChannelAuthorizer for AllowAll {
    async fn can_subscribe(&self, _: &Actor, _: &Channel) -> Result<bool, DomainError> {
        Ok(true)
    }
}

/// A forum with a fixed set of topics.
#[derive(Default)]
pub struct Topics(pub Mutex<HashSet<TopicId>>);

#[async_trait]
impl TopicLookup for Topics {
    async fn topic_exists(&self, topic: TopicId) -> Result<bool, DomainError> {
        Ok(self.0.lock().map(|t| t.contains(&topic)).unwrap_or(false))
    }
}

/// The platform rules over a forum holding `topics`.
pub fn rules(topics: &[Channel]) -> Arc<dyn ChannelAuthorizer> {
    let set = topics
        .iter()
        .filter_map(|c| match c {
            Channel::Topic(id) => Some(*id),
            _ => None,
        })
        .collect();
    Arc::new(ChannelRules::new(Topics(Mutex::new(set))))
}

pub async fn connect(hub: &Hub, limits: ConnectionLimits) -> Connection {
    Connection::multiplexed(
        hub.clone(),
        p2p_testkit::member(),
        Arc::new(AllowAll),
        None,
        limits,
    )
    .await
}

/// The next frame, decoded; panics after 5 s.
pub async fn next(conn: &mut Connection) -> ServerFrame {
    match tokio::time::timeout(Duration::from_secs(5), conn.next_frame()).await {
        Ok(Next::Frame(frame)) => serde_json::from_slice(&frame)
            .unwrap_or_else(|e| panic!("undecodable frame {frame:?}: {e}")),
        Ok(close) => panic!("unexpected {close:?}"),
        Err(_) => panic!("no frame within 5 s"),
    }
}

/// The next frame if one comes within `wait`.
pub async fn maybe_next(conn: &mut Connection, wait: Duration) -> Option<Next> {
    tokio::time::timeout(wait, conn.next_frame()).await.ok()
}

/// Sends a client frame.
pub async fn send(conn: &mut Connection, frame: serde_json::Value) {
    conn.handle_frame(frame.to_string().as_bytes()).await;
}

/// Subscribes and returns the `seq` of the `subscribed` answer.
pub async fn subscribe(conn: &mut Connection, channel: &Channel, since: Option<u64>) -> u64 {
    let mut frame = json!({"type": "subscribe", "channel": channel.to_string()});
    if let Some(since) = since {
        frame["since"] = json!(since);
    }
    send(conn, frame).await;
    match next(conn).await {
        ServerFrame::Subscribed { channel: c, seq } if c == channel.to_string() => seq,
        other => panic!("expected subscribed to {channel}, got {other:?}"),
    }
}

/// The `(channel, seq)` of an event frame; panics on anything else.
pub fn event_seq(frame: &ServerFrame) -> (String, u64) {
    match frame {
        ServerFrame::Event { channel, seq, .. } => (channel.clone(), *seq),
        other => panic!("expected an event, got {other:?}"),
    }
}

/// Receives events of `channel` until `last` and checks they are exactly `first..=last`.
pub async fn expect_events(conn: &mut Connection, channel: &Channel, first: u64, last: u64) {
    for expected in first..=last {
        let frame = next(conn).await;
        assert_eq!(
            event_seq(&frame),
            (channel.to_string(), expected),
            "events {first}..={last} in order, without gap or duplicate"
        );
    }
}
