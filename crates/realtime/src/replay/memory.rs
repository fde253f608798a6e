//! The in-process replay log: a bounded ring per channel.

use super::{Feed, FeedItem, Replay, ReplayConfig, ReplayLog, SequencedEvent, classify};
use crate::channel::Channel;
use crate::frames::EventTemplate;
use async_trait::async_trait;
use futures_util::StreamExt;
use p2p_kernel::ports::PortError;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;
use tokio::sync::mpsc;

/// Every this many appends, idle channels are swept.
const SWEEP_EVERY: u32 = 1024;

/// A replay log inside one process (the embedded deployment).
///
/// Each channel keeps its last `max_events` events, each for at most
/// `retention`; a channel without an event for `sequence_ttl` is forgotten.
/// The feed is in-process: every hub opened on this log sees every append.
pub struct MemoryReplayLog {
    config: ReplayConfig,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    channels: HashMap<Channel, Ring>,
    /// Unbounded so that appending never waits; each hub drains its feed
    /// without blocking (it only queues into bounded outboxes).
    feeds: Vec<mpsc::UnboundedSender<FeedItem>>,
    appends_since_sweep: u32,
}

struct Ring {
    head: u64,
    last_append: Instant,
    entries: VecDeque<(Instant, Arc<SequencedEvent>)>,
}

impl Ring {
    fn prune(&mut self, config: &ReplayConfig, now: Instant) {
        while self.entries.len() > config.max_events {
            self.entries.pop_front();
        }
        while let Some((at, _)) = self.entries.front() {
            if now.duration_since(*at) >= config.retention {
                self.entries.pop_front();
            } else {
                break;
            }
        }
        if self.entries.is_empty() {
            self.entries = VecDeque::new();
        }
    }
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

    fn sweep(&self, state: &mut State, now: Instant) {
        let config = self.config;
        state.channels.retain(|_, ring| {
            ring.prune(&config, now);
            now.duration_since(ring.last_append) < config.sequence_ttl
        });
        state.feeds.retain(|tx| !tx.is_closed());
    }
}

impl Default for MemoryReplayLog {
    fn default() -> Self {
        Self::new(ReplayConfig::default())
    }
}

#[async_trait]
impl ReplayLog for MemoryReplayLog {
    async fn append(&self, channel: &Channel, event: &EventTemplate) -> Result<u64, PortError> {
        let now = Instant::now();
        let config = self.config;
        let mut guard = self.lock();
        let state = &mut *guard;
        let ring = state.channels.entry(*channel).or_insert_with(|| Ring {
            head: 0,
            last_append: now,
            entries: VecDeque::new(),
        });
        if now.duration_since(ring.last_append) >= config.sequence_ttl {
            ring.head = 0;
            ring.entries.clear();
        }
        ring.head += 1;
        ring.last_append = now;
        let seq = ring.head;
        let sequenced = Arc::new(SequencedEvent {
            channel: *channel,
            seq,
            frame: event.render(seq),
        });
        ring.entries.push_back((now, sequenced.clone()));
        ring.prune(&config, now);
        // Sent under the lock: every feed sees each channel's events in order.
        state
            .feeds
            .retain(|tx| tx.send(FeedItem::Event(sequenced.clone())).is_ok());
        state.appends_since_sweep += 1;
        if state.appends_since_sweep >= SWEEP_EVERY {
            state.appends_since_sweep = 0;
            self.sweep(state, now);
        }
        Ok(seq)
    }

    async fn read_since(&self, channel: &Channel, since: u64) -> Result<Replay, PortError> {
        let now = Instant::now();
        let mut state = self.lock();
        let Some(ring) = state.channels.get_mut(channel) else {
            return Ok(classify(since, 0, Vec::new()));
        };
        if now.duration_since(ring.last_append) >= self.config.sequence_ttl {
            state.channels.remove(channel);
            return Ok(classify(since, 0, Vec::new()));
        }
        ring.prune(&self.config, now);
        let events = ring
            .entries
            .iter()
            .filter(|(_, e)| e.seq > since)
            .map(|(_, e)| e.clone())
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
        self.lock().feeds.push(tx);
        Ok(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed())
    }
}
