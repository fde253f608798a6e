//! Replay logs: per-channel sequence numbers, a bounded log of recent events
//! per channel, and the fan-out feed that carries every appended event to every
//! hub sharing the log.
//!
//! Two backends, one contract (`tests/replay_contract.rs` runs the same suite
//! on both): [`MemoryReplayLog`] for a single process and [`RedisReplayLog`]
//! for the full deployment, where every server instance shares the log.

mod memory;
mod redis;

pub use self::redis::RedisReplayLog;
pub use memory::MemoryReplayLog;

use crate::channel::Channel;
use crate::frames::EventTemplate;
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use p2p_kernel::footprint::Footprint;
use p2p_kernel::ports::PortError;
use std::sync::Arc;
use std::time::Duration;

/// An event with its place in its channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SequencedEvent {
    pub channel: Channel,
    /// +1 per event in the channel, starting at 1.
    pub seq: u64,
    /// The complete `event` frame, encoded once and shared by every subscriber.
    pub frame: Bytes,
}

/// What a log holds after a given sequence number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Replay {
    /// Every event after `since`, in order (none when the client is up to date).
    Events {
        /// The channel's latest sequence number (0 if it never had an event).
        head: u64,
        events: Vec<Arc<SequencedEvent>>,
    },
    /// Some events after `since` are no longer retained, or `since` is ahead of
    /// the channel (its log was reset): the client must reload the state.
    Truncated {
        /// The channel's latest sequence number.
        head: u64,
    },
}

impl Replay {
    /// The channel's latest sequence number.
    pub fn head(&self) -> u64 {
        match self {
            Replay::Events { head, .. } | Replay::Truncated { head } => *head,
        }
    }
}

/// One item of a hub's feed.
#[derive(Clone, Debug)]
pub enum FeedItem {
    /// An event appended by any hub sharing the log, in sequence order per channel.
    Event(Arc<SequencedEvent>),
    /// The feed was interrupted (a backend outage) and is flowing again: events
    /// appended meanwhile may have been missed and must be read from the log.
    Resumed,
}

/// Every event appended to a log, from the moment the feed was opened.
pub type Feed = BoxStream<'static, FeedItem>;

/// How much a log retains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplayConfig {
    /// At most this many recent events per channel (Redis trims approximately,
    /// keeping at least this many).
    pub max_events: usize,
    /// Events older than this are dropped (in memory: each event; in Redis: the
    /// whole log of a channel without a new event for this long).
    pub retention: Duration,
    /// A channel's sequence counter is forgotten after this long without an
    /// event (its next event is number 1 again). Never shorter than `retention`.
    pub sequence_ttl: Duration,
    /// In memory: at most this many bytes of frames over all channels; above
    /// it the oldest events are dropped, whatever their channel. (Redis is
    /// bounded by its own `maxmemory`.)
    pub max_bytes: usize,
    /// In memory: at most this many channels (with their sequence counters);
    /// above it the least recently appended channel is forgotten, as after
    /// `sequence_ttl`. (On Redis, each channel's keys expire.)
    pub max_channels: usize,
}

impl Default for ReplayConfig {
    fn default() -> Self {
        Self {
            max_events: 256,
            retention: Duration::from_secs(3600),
            sequence_ttl: Duration::from_secs(30 * 24 * 3600),
            max_bytes: Self::DEFAULT_MAX_BYTES,
            max_channels: Self::DEFAULT_MAX_CHANNELS,
        }
    }
}

impl ReplayConfig {
    /// The default `max_bytes`: 16 MiB.
    pub const DEFAULT_MAX_BYTES: usize = 16 * 1024 * 1024;
    /// The default `max_channels`.
    pub const DEFAULT_MAX_CHANNELS: usize = 100_000;

    /// The same configuration with `sequence_ttl >= retention`, at least one
    /// retained event per channel and at least one channel.
    pub fn normalized(self) -> Self {
        Self {
            max_events: self.max_events.max(1),
            retention: self.retention,
            sequence_ttl: self.sequence_ttl.max(self.retention),
            max_bytes: self.max_bytes,
            max_channels: self.max_channels.max(1),
        }
    }
}

/// Per-channel sequence numbers, a bounded replay log, and the fan-out feed.
///
/// Its [`Footprint`] is what it holds in this process (an in-process log:
/// `realtime_replay_channels`, `realtime_replay_events`, `realtime_replay_bytes`).
#[async_trait]
pub trait ReplayLog: Footprint + 'static {
    /// Atomically: assigns the channel's next sequence number, stores the
    /// rendered frame in the channel's log, and announces it on every feed.
    /// Returns the sequence number.
    async fn append(&self, channel: &Channel, event: &EventTemplate) -> Result<u64, PortError>;

    /// The retained events with a sequence number greater than `since`.
    async fn read_since(&self, channel: &Channel, since: u64) -> Result<Replay, PortError>;

    /// The channel's latest sequence number (0 if it never had an event).
    async fn head(&self, channel: &Channel) -> Result<u64, PortError>;

    /// Opens a feed of every event appended from now on (by any hub sharing
    /// this log), in sequence order per channel. Once this returns, no later
    /// append is missed, except across backend outages, which the feed
    /// signals with [`FeedItem::Resumed`].
    async fn feed(&self) -> Result<Feed, PortError>;
}

/// Decides between [`Replay::Events`] and [`Replay::Truncated`] given the
/// channel's head and the retained events after `since` (ascending).
pub(crate) fn classify(since: u64, head: u64, events: Vec<Arc<SequencedEvent>>) -> Replay {
    if since > head {
        return Replay::Truncated { head };
    }
    if since == head {
        return Replay::Events {
            head,
            events: Vec::new(),
        };
    }
    match events.first() {
        Some(first) if first.seq == since + 1 => Replay::Events { head, events },
        _ => Replay::Truncated { head },
    }
}
