//! The Redis replay log, shared by every server instance.
//!
//! Per channel, under the connection's key prefix:
//! - `rt:seq:<channel>`: the sequence counter (expires after `sequence_ttl` without an event);
//! - `rt:log:<channel>`: a stream whose entry ids are `<seq>-0`, each with one
//!   field `f` holding the rendered `event` frame, trimmed with `MAXLEN ~ max_events`
//!   and expiring after `retention` without an event.
//!
//! - `rt:key:<channel>:<key>`: for an event published with a key, its sequence
//!   number, kept as long as the log (`retention`): appending the same key again
//!   returns that number and appends nothing.
//!
//! One script appends atomically (INCR, XADD, PEXPIRE, PUBLISH), so the fan-out
//! channel `rt:fanout` carries each channel's events in sequence order. Each hub
//! holds one subscription to it; the message is `<channel>\n<seq>\n<frame>`.

use super::{Feed, FeedItem, Replay, ReplayConfig, ReplayLog, SequencedEvent, classify};
use crate::channel::Channel;
use crate::frames::EventTemplate;
use async_trait::async_trait;
use bytes::Bytes;
use deadpool_redis::redis::{self, AsyncCommands};
use futures_util::StreamExt;
use p2p_kernel::adapters::redis::{Delivery, RedisConnection, lasting_subscription};
use p2p_kernel::footprint::{Footprint, Size};
use p2p_kernel::ports::PortError;
use std::sync::Arc;
use std::time::Duration;

const BACKEND: &str = "redis";

fn port_err(e: impl std::fmt::Display) -> PortError {
    PortError::new(BACKEND, e)
}

/// KEYS: seq key, log key, and the event's key key when it has one. ARGV:
/// fan-out channel, max events, log ttl (ms), seq ttl (ms), frame prefix,
/// frame suffix, channel name.
const APPEND_SCRIPT: &str = r"
if KEYS[3] then
  local appended = redis.call('GET', KEYS[3])
  if appended then
    return tonumber(appended)
  end
end
local seq = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local id = seq .. '-0'
local frame = ARGV[5] .. seq .. ARGV[6]
local added = redis.pcall('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], id, 'f', frame)
if type(added) == 'table' and added.err then
  -- The counter was lost while the log survived: start the log again.
  redis.call('DEL', KEYS[2])
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], id, 'f', frame)
end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
if KEYS[3] then
  redis.call('SET', KEYS[3], seq, 'PX', ARGV[3])
end
redis.call('PUBLISH', ARGV[1], ARGV[7] .. '\n' .. seq .. '\n' .. frame)
return seq
";

/// KEYS: seq key, log key. ARGV: first id to read. Returns {head, seqs, frames}.
const READ_SCRIPT: &str = r"
local head = tonumber(redis.call('GET', KEYS[1]) or '0')
local entries = redis.call('XRANGE', KEYS[2], ARGV[1], '+')
local seqs = {}
local frames = {}
for i, entry in ipairs(entries) do
  seqs[i] = tonumber(string.sub(entry[1], 1, -3))
  frames[i] = entry[2][2]
end
return {head, seqs, frames}
";

/// Messages buffered between the Redis subscription and the hub.
const FEED_BUFFER: usize = 4096;

/// The replay log on Redis (the full deployment).
#[derive(Clone)]
pub struct RedisReplayLog {
    redis: RedisConnection,
    config: ReplayConfig,
    append: Arc<redis::Script>,
    read: Arc<redis::Script>,
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl RedisReplayLog {
    /// The log under `redis`'s key prefix: every hub on the same Redis and
    /// prefix shares its sequence numbers, logs and fan-out.
    pub fn new(redis: RedisConnection, config: ReplayConfig) -> Self {
        Self {
            redis,
            config: config.normalized(),
            append: Arc::new(redis::Script::new(APPEND_SCRIPT)),
            read: Arc::new(redis::Script::new(READ_SCRIPT)),
        }
    }

    fn seq_key(&self, channel: &Channel) -> String {
        self.redis.key(&format!("rt:seq:{channel}"))
    }

    /// The key remembering the sequence number of `channel`'s event keyed `key`.
    fn event_key(&self, channel: &Channel, key: &str) -> String {
        self.redis.key(&format!("rt:key:{channel}:{key}"))
    }

    /// The key of a channel's stream: `<prefix>rt:log:<channel>`.
    pub fn log_key(&self, channel: &Channel) -> String {
        self.redis.key(&format!("rt:log:{channel}"))
    }

    /// The Redis pub/sub channel of the fan-out: `<prefix>rt:fanout`.
    pub fn fanout_channel(&self) -> String {
        self.redis.key("rt:fanout")
    }
}

/// Nothing kept in this process: Redis holds the logs and expires them.
impl Footprint for RedisReplayLog {
    fn footprint(&self) -> Vec<Size> {
        Vec::new()
    }
}

#[async_trait]
impl ReplayLog for RedisReplayLog {
    async fn append(&self, channel: &Channel, event: &EventTemplate) -> Result<u64, PortError> {
        let mut conn = self.redis.conn().await?;
        let mut append = self.append.key(self.seq_key(channel));
        append.key(self.log_key(channel));
        if let Some(key) = event.key() {
            append.key(self.event_key(channel, key));
        }
        append
            .arg(self.fanout_channel())
            .arg(self.config.max_events)
            .arg(millis(self.config.retention))
            .arg(millis(self.config.sequence_ttl))
            .arg(event.prefix())
            .arg(event.suffix())
            .arg(channel.to_string())
            .invoke_async(&mut conn)
            .await
            .map_err(port_err)
    }

    async fn read_since(&self, channel: &Channel, since: u64) -> Result<Replay, PortError> {
        let mut conn = self.redis.conn().await?;
        let (head, seqs, frames): (u64, Vec<u64>, Vec<Vec<u8>>) = self
            .read
            .key(self.seq_key(channel))
            .key(self.log_key(channel))
            .arg(format!("{}-0", since.saturating_add(1)))
            .invoke_async(&mut conn)
            .await
            .map_err(port_err)?;
        if seqs.len() != frames.len() {
            return Err(port_err("malformed replay log entry"));
        }
        let events = seqs
            .into_iter()
            .zip(frames)
            .map(|(seq, frame)| {
                Arc::new(SequencedEvent {
                    channel: *channel,
                    seq,
                    frame: Bytes::from(frame),
                })
            })
            .collect();
        Ok(classify(since, head, events))
    }

    async fn head(&self, channel: &Channel) -> Result<u64, PortError> {
        let mut conn = self.redis.conn().await?;
        let head: Option<u64> = conn.get(self.seq_key(channel)).await.map_err(port_err)?;
        Ok(head.unwrap_or(0))
    }

    async fn feed(&self) -> Result<Feed, PortError> {
        let fanout = self.fanout_channel();
        let client = self.redis.client().clone();
        // Subscribed before returning: no append made after this is missed.
        let deliveries = lasting_subscription(client, fanout, FEED_BUFFER).await?;
        let feed = deliveries.filter_map(|delivery| {
            std::future::ready(match delivery {
                Delivery::Message(payload) => match parse_message(payload) {
                    Some(event) => Some(FeedItem::Event(Arc::new(event))),
                    None => {
                        tracing::warn!("malformed realtime fan-out message skipped");
                        None
                    }
                },
                Delivery::Resumed => Some(FeedItem::Resumed),
            })
        });
        Ok(feed.boxed())
    }
}

/// Parses `<channel>\n<seq>\n<frame>`.
fn parse_message(payload: Vec<u8>) -> Option<SequencedEvent> {
    let payload = Bytes::from(payload);
    let first = payload.iter().position(|b| *b == b'\n')?;
    let second = first + 1 + payload[first + 1..].iter().position(|b| *b == b'\n')?;
    let channel = Channel::parse(std::str::from_utf8(&payload[..first]).ok()?).ok()?;
    let seq = std::str::from_utf8(&payload[first + 1..second])
        .ok()?
        .parse()
        .ok()?;
    Some(SequencedEvent {
        channel,
        seq,
        frame: payload.slice(second + 1..),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use p2p_kernel::ids::TopicId;

    #[test]
    fn parses_fanout_messages() {
        let channel = Channel::topic(TopicId::new());
        let frame = r#"{"type":"event","seq":12,"data":"a\nb"}"#;
        let payload = format!("{channel}\n12\n{frame}").into_bytes();
        let parsed = parse_message(payload);
        assert_eq!(
            parsed,
            Some(SequencedEvent {
                channel,
                seq: 12,
                frame: Bytes::from(frame)
            })
        );
        for bad in [
            "",
            "topic:x\n1\n{}",
            "no newline",
            &format!("{channel}\nx\n{{}}"),
        ] {
            assert_eq!(parse_message(bad.as_bytes().to_vec()), None, "{bad:?}");
        }
    }
}
