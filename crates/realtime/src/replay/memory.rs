//! The in-process replay log: a bounded ring per channel, bounded in total.
//!
//! Two queues in append order make every bound O(1) amortized per append,
//! without scanning the channels:
//! - `events`: one entry per appended event, to drop the oldest retained
//!   events (past `retention`, or above `max_bytes` over all channels);
//! - `touches`: one entry per append, to forget the least recently appended
//!   channels (past `sequence_ttl`, or above `max_channels`).
//!
//! An entry is stale once what it points to is gone (pruned by its ring,
//! appended to again, forgotten): it is skipped when it reaches the front,
//! and a queue holding more than twice its live entries is compacted.

use super::{Feed, FeedItem, Replay, ReplayConfig, ReplayLog, SequencedEvent, classify};
use crate::channel::Channel;
use crate::frames::EventTemplate;
use async_trait::async_trait;
use futures_util::StreamExt;
use p2p_kernel::footprint::{Footprint, Size};
use p2p_kernel::ports::PortError;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;
use tokio::sync::mpsc;

/// Stale entries a queue may hold beyond its live ones before it is compacted.
const COMPACT_SLACK: usize = 1024;

/// A replay log inside one process (the embedded deployment).
///
/// Each channel keeps its last `max_events` events, each for at most
/// `retention`; above `max_bytes` of frames over all channels the oldest
/// events are dropped; a channel without an event for `sequence_ttl`, or the
/// least recently appended one above `max_channels`, is forgotten (its next
/// event is number 1 again). The feed is in-process: every hub opened on this
/// log sees every append.
pub struct MemoryReplayLog {
    config: ReplayConfig,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    channels: HashMap<Channel, Ring>,
    /// Every appended event, oldest first (some stale).
    events: VecDeque<Appended>,
    /// Every append, oldest first (some stale): the channels' recency.
    touches: VecDeque<Appended>,
    /// Events retained over all channels.
    retained: usize,
    /// Bytes of their frames.
    bytes: usize,
    /// Numbers every append, over all channels.
    next_serial: u64,
    /// Unbounded so that appending never waits; each hub drains its feed
    /// without blocking (it only queues into bounded outboxes).
    feeds: Vec<mpsc::UnboundedSender<FeedItem>>,
}

/// One append, as the queues remember it.
#[derive(Clone, Copy)]
struct Appended {
    serial: u64,
    at: Instant,
    channel: Channel,
}

struct Ring {
    head: u64,
    /// The serial and time of the channel's last append.
    last_serial: u64,
    last_append: Instant,
    /// A contiguous run of the channel's latest events (by serial, and by seq).
    entries: VecDeque<Entry>,
}

struct Entry {
    serial: u64,
    event: Arc<SequencedEvent>,
    /// The event's key in its channel, if it has one.
    key: Option<Box<str>>,
}

impl Ring {
    /// The sequence number of the retained event keyed `key`.
    fn keyed(&self, key: &str) -> Option<u64> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.key.as_deref() == Some(key))
            .map(|e| e.event.seq)
    }

    /// Whether the event appended as `serial` is still retained here.
    fn retains(&self, serial: u64) -> bool {
        self.entries.front().is_some_and(|e| e.serial <= serial)
            && self.entries.back().is_some_and(|e| serial <= e.serial)
    }
}

impl State {
    /// Drops a ring's oldest event.
    fn pop_front(ring: &mut Ring, retained: &mut usize, bytes: &mut usize) {
        if let Some(entry) = ring.entries.pop_front() {
            *retained -= 1;
            *bytes -= entry.event.frame.len();
        }
        if ring.entries.is_empty() {
            ring.entries = VecDeque::new();
        }
    }

    /// Forgets a channel, head included.
    fn forget(&mut self, channel: &Channel) {
        if let Some(ring) = self.channels.remove(channel) {
            self.retained -= ring.entries.len();
            self.bytes -= ring
                .entries
                .iter()
                .map(|e| e.event.frame.len())
                .sum::<usize>();
        }
    }

    /// The oldest retained event over all channels (skipping stale entries).
    fn oldest_event(&mut self) -> Option<Appended> {
        live_front(&mut self.events, |e| is_retained(&self.channels, e))
    }

    /// The least recently appended channel's last append (skipping stale entries).
    fn oldest_touch(&mut self) -> Option<Appended> {
        live_front(&mut self.touches, |t| is_last(&self.channels, t))
    }

    /// Applies every bound of `config` as of `now`.
    fn enforce(&mut self, config: &ReplayConfig, now: Instant) {
        while let Some(oldest) = self.oldest_event() {
            let expired = now.duration_since(oldest.at) >= config.retention;
            if !expired && self.bytes <= config.max_bytes {
                break;
            }
            self.events.pop_front();
            if let Some(ring) = self.channels.get_mut(&oldest.channel) {
                // The oldest retained event overall is its ring's oldest.
                Self::pop_front(ring, &mut self.retained, &mut self.bytes);
            }
        }
        while let Some(oldest) = self.oldest_touch() {
            let expired = now.duration_since(oldest.at) >= config.sequence_ttl;
            if !expired && self.channels.len() <= config.max_channels {
                break;
            }
            self.touches.pop_front();
            self.forget(&oldest.channel);
        }
        if self.events.len() > 2 * self.retained + COMPACT_SLACK {
            compact(&mut self.events, |e| is_retained(&self.channels, e));
        }
        if self.touches.len() > 2 * self.channels.len() + COMPACT_SLACK {
            compact(&mut self.touches, |t| is_last(&self.channels, t));
        }
    }
}

/// Whether `event` is still retained in its channel's ring.
fn is_retained(channels: &HashMap<Channel, Ring>, event: &Appended) -> bool {
    channels
        .get(&event.channel)
        .is_some_and(|ring| ring.retains(event.serial))
}

/// Whether `touch` is its channel's last append.
fn is_last(channels: &HashMap<Channel, Ring>, touch: &Appended) -> bool {
    channels
        .get(&touch.channel)
        .is_some_and(|ring| ring.last_serial == touch.serial)
}

/// The first entry of `queue` that is `live`, the stale ones before it dropped.
fn live_front(
    queue: &mut VecDeque<Appended>,
    live: impl Fn(&Appended) -> bool,
) -> Option<Appended> {
    while let Some(front) = queue.front().copied() {
        if live(&front) {
            return Some(front);
        }
        queue.pop_front();
    }
    None
}

/// Drops every stale entry of `queue` and the memory they held.
fn compact(queue: &mut VecDeque<Appended>, live: impl Fn(&Appended) -> bool) {
    queue.retain(|entry| live(entry));
    queue.shrink_to_fit();
}

impl MemoryReplayLog {
    /// An empty log retaining what `config` says.
    pub fn new(config: ReplayConfig) -> Self {
        Self {
            config: config.normalized(),
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent across a panic (every update is a few
        // infallible steps), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for MemoryReplayLog {
    fn default() -> Self {
        Self::new(ReplayConfig::default())
    }
}

impl Footprint for MemoryReplayLog {
    fn footprint(&self) -> Vec<Size> {
        let state = self.lock();
        vec![
            Size::count("realtime_replay_channels", state.channels.len()),
            Size::count("realtime_replay_events", state.retained),
            Size::count("realtime_replay_bytes", state.bytes),
        ]
    }
}

#[async_trait]
impl ReplayLog for MemoryReplayLog {
    async fn append(&self, channel: &Channel, event: &EventTemplate) -> Result<u64, PortError> {
        let now = Instant::now();
        let config = self.config;
        let mut guard = self.lock();
        let state = &mut *guard;
        // Expired channels and events go first: a channel past its
        // `sequence_ttl` starts over at 1.
        state.enforce(&config, now);
        if let Some(seq) = event
            .key()
            .and_then(|key| state.channels.get(channel)?.keyed(key))
        {
            return Ok(seq); // appended before: a retried publication
        }
        state.next_serial += 1;
        let serial = state.next_serial;
        let ring = state.channels.entry(*channel).or_insert_with(|| Ring {
            head: 0,
            last_serial: serial,
            last_append: now,
            entries: VecDeque::new(),
        });
        ring.head += 1;
        ring.last_serial = serial;
        ring.last_append = now;
        let seq = ring.head;
        let sequenced = Arc::new(SequencedEvent {
            channel: *channel,
            seq,
            frame: event.render(seq),
        });
        state.bytes += sequenced.frame.len();
        state.retained += 1;
        ring.entries.push_back(Entry {
            serial,
            event: sequenced.clone(),
            key: event.key().map(Box::from),
        });
        while ring.entries.len() > config.max_events {
            State::pop_front(ring, &mut state.retained, &mut state.bytes);
        }
        let appended = Appended {
            serial,
            at: now,
            channel: *channel,
        };
        state.events.push_back(appended);
        state.touches.push_back(appended);
        state.enforce(&config, now);
        // Sent under the lock: every feed sees each channel's events in order.
        state
            .feeds
            .retain(|tx| tx.send(FeedItem::Event(sequenced.clone())).is_ok());
        Ok(seq)
    }

    async fn read_since(&self, channel: &Channel, since: u64) -> Result<Replay, PortError> {
        let mut state = self.lock();
        state.enforce(&self.config, Instant::now());
        let Some(ring) = state.channels.get(channel) else {
            return Ok(classify(since, 0, Vec::new()));
        };
        let events = ring
            .entries
            .iter()
            .filter(|e| e.event.seq > since)
            .map(|e| e.event.clone())
            .collect();
        Ok(classify(since, ring.head, events))
    }

    async fn head(&self, channel: &Channel) -> Result<u64, PortError> {
        let now = Instant::now();
        let state = self.lock();
        Ok(state
            .channels
            .get(channel)
            .filter(|ring| now.duration_since(ring.last_append) < self.config.sequence_ttl)
            .map_or(0, |ring| ring.head))
    }

    async fn feed(&self) -> Result<Feed, PortError> {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut state = self.lock();
        state.feeds.retain(|tx| !tx.is_closed());
        state.feeds.push(tx);
        Ok(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p2p_kernel::ids::TopicId;
    use serde_json::json;
    use std::time::Duration;

    fn config(max_bytes: usize, max_channels: usize) -> ReplayConfig {
        ReplayConfig {
            max_events: 4,
            max_bytes,
            max_channels,
            ..ReplayConfig::default()
        }
    }

    async fn append(log: &MemoryReplayLog, channel: &Channel) -> u64 {
        let template = EventTemplate::new(channel, "post.created", &json!({"n": 1}))
            .unwrap_or_else(|e| panic!("{e}"));
        log.append(channel, &template)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The queues hold no more than twice their live entries (plus slack),
    /// and the counters match the rings.
    fn assert_consistent(log: &MemoryReplayLog) {
        let state = log.lock();
        let retained: usize = state.channels.values().map(|r| r.entries.len()).sum();
        let bytes: usize = state
            .channels
            .values()
            .flat_map(|r| r.entries.iter())
            .map(|e| e.event.frame.len())
            .sum();
        assert_eq!(state.retained, retained);
        assert_eq!(state.bytes, bytes);
        assert!(state.events.len() <= 2 * retained + COMPACT_SLACK + 1);
        assert!(state.touches.len() <= 2 * state.channels.len() + COMPACT_SLACK + 1);
        for ring in state.channels.values() {
            let seqs: Vec<u64> = ring.entries.iter().map(|e| e.event.seq).collect();
            let expected: Vec<u64> = (ring.head + 1 - seqs.len() as u64..=ring.head).collect();
            assert_eq!(seqs, expected, "a contiguous run ending at the head");
        }
    }

    #[tokio::test]
    async fn queues_stay_bounded_on_a_busy_channel_beside_a_quiet_one() {
        let log = MemoryReplayLog::new(config(usize::MAX, 10));
        let (quiet, busy) = (
            Channel::topic(TopicId::new()),
            Channel::topic(TopicId::new()),
        );
        append(&log, &quiet).await;
        for _ in 0..20_000 {
            append(&log, &busy).await;
        }
        assert_consistent(&log);
        assert_eq!(
            log.head(&quiet).await.ok(),
            Some(1),
            "the quiet channel stays"
        );
        assert_eq!(log.head(&busy).await.ok(), Some(20_000));
    }

    #[tokio::test]
    async fn counters_follow_every_bound() {
        let log = MemoryReplayLog::new(ReplayConfig {
            retention: Duration::from_millis(50),
            ..config(2_000, 50)
        });
        let channels: Vec<Channel> = (0..200).map(|_| Channel::topic(TopicId::new())).collect();
        for round in 0..10 {
            for channel in channels.iter().skip(round * 7) {
                append(&log, channel).await;
            }
            assert_consistent(&log);
        }
        tokio::time::sleep(Duration::from_millis(60)).await;
        append(&log, &channels[0]).await;
        assert_consistent(&log);
        assert_eq!(log.lock().retained, 1, "expired events are dropped");
    }
}
