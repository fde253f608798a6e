//! The hub: publishes events into the replay log and dispatches the log's feed
//! to the connections of this server instance.

use crate::channel::{Channel, InvalidChannel};
use crate::current::ReplayStates;
use crate::frames::EventTemplate;
use crate::outbox::Delivery;
use crate::registry::{Registry, SpawnLocal};
use crate::replay::{
    Feed, FeedItem, MemoryReplayLog, RedisReplayLog, Replay, ReplayConfig, ReplayLog,
    SequencedEvent,
};
use async_trait::async_trait;
use futures_util::StreamExt;
use p2p_kernel::adapters::redis::RedisConnection;
use p2p_kernel::footprint::{Footprint, Size};
use p2p_kernel::ports::{EventBus, PortError};
use p2p_kernel::{Actor, Event};
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::sync::oneshot;

/// Why an event could not be published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    InvalidChannel(#[from] InvalidChannel),
    #[error("cannot encode the event: {0}")]
    Encode(#[from] serde_json::Error),
    #[error(transparent)]
    Backend(#[from] PortError),
}

/// The realtime hub of one server instance.
///
/// Publishing assigns the event the next sequence number of its channel and
/// appends it to the replay log, whose feed brings it (from this instance or
/// any other sharing the log) to the local subscribers, in order, each event
/// once. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

/// Keys of events this process appended, remembered (the most recent ones;
/// a few hundred KiB at most).
const RECENT_KEYS: usize = 8192;

/// The keys of the events this hub appended, most recent last: an event
/// published again with one of them (by its event-outbox handler after the
/// request published it) is not sent to the log again. The log's own
/// deduplication covers the rest, but not a log that lost its keys (a Redis
/// restarted empty, to which the event would be appended a second time).
#[derive(Default)]
struct RecentKeys {
    order: VecDeque<Arc<str>>,
    set: HashSet<Arc<str>>,
}

impl RecentKeys {
    fn contains(&self, key: &str) -> bool {
        self.set.contains(key)
    }

    fn remember(&mut self, key: &str) {
        let key: Arc<str> = Arc::from(key);
        if !self.set.insert(key.clone()) {
            return;
        }
        self.order.push_back(key);
        while self.order.len() > RECENT_KEYS {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
    }
}

struct Inner {
    log: Arc<dyn ReplayLog>,
    recent_keys: Mutex<RecentKeys>,
    registry: Arc<Registry>,
    next_connection: AtomicU64,
    /// The current state of the objects replayed events are about (set once
    /// the domains exist, which publish into the hub).
    states: OnceLock<ReplayStates>,
    /// Dropped with the last clone of the hub: stops the dispatcher.
    _stop: oneshot::Sender<()>,
}

impl Hub {
    /// A hub on `log`: opens the log's feed and starts dispatching it.
    /// Needs a Tokio runtime.
    pub async fn start(log: Arc<dyn ReplayLog>) -> Result<Self, PortError> {
        let feed = log.feed().await?;
        let registry = Arc::new(Registry::default());
        let (stop_tx, stop_rx) = oneshot::channel();
        let dispatcher = Dispatcher {
            log: log.clone(),
            registry: registry.clone(),
        };
        tokio::spawn(dispatcher.run(feed, stop_rx));
        Ok(Self {
            inner: Arc::new(Inner {
                log,
                recent_keys: Mutex::default(),
                registry,
                next_connection: AtomicU64::new(1),
                states: OnceLock::new(),
                _stop: stop_tx,
            }),
        })
    }

    /// A hub for a single process (the embedded deployment).
    pub async fn in_memory(config: ReplayConfig) -> Result<Self, PortError> {
        Self::start(Arc::new(MemoryReplayLog::new(config))).await
    }

    /// A hub sharing its log and fan-out with every instance on the same Redis
    /// and key prefix (the full deployment).
    pub async fn redis(redis: RedisConnection, config: ReplayConfig) -> Result<Self, PortError> {
        Self::start(Arc::new(RedisReplayLog::new(redis, config))).await
    }

    /// Publishes `event` and returns its sequence number in its channel (for
    /// an event whose key the log still holds, the number it was given then:
    /// nothing is appended).
    /// Returns 0 for an event whose key this hub appended recently: it is
    /// not sent to the log again.
    pub async fn publish_event(&self, event: &Event) -> Result<u64, PublishError> {
        let channel = Channel::parse(&event.channel)?;
        let key = event.key.as_deref().map(|k| format!("{channel}\n{k}"));
        if let Some(key) = &key
            && self.recent_keys().contains(key)
        {
            return Ok(0);
        }
        let template =
            EventTemplate::new(&channel, &event.name, &event.data)?.with_key(event.key.clone());
        let seq = self.inner.log.append(&channel, &template).await?;
        if let Some(key) = &key {
            self.recent_keys().remember(key);
        }
        metrics::counter!("realtime_events_published_total").increment(1);
        Ok(seq)
    }

    fn recent_keys(&self) -> std::sync::MutexGuard<'_, RecentKeys> {
        // Each update is a few infallible steps: a poisoned lock is still consistent.
        self.inner
            .recent_keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The retained events of `channel` after `since`.
    pub async fn read_since(&self, channel: &Channel, since: u64) -> Result<Replay, PortError> {
        self.inner.log.read_since(channel, since).await
    }

    /// Replays re-render their events from the current state of their
    /// objects through `states` (see [`crate::current`]). Set once, at
    /// startup; a second call is ignored and returns false.
    pub fn resolve_replays_with(&self, states: ReplayStates) -> bool {
        self.inner.states.set(states).is_ok()
    }

    /// What `viewer` is sent on subscribing to `channel` from `since`: the
    /// retained events after it (at most `max_events`, else
    /// [`Replay::Truncated`]: the client resyncs), each carrying its object's
    /// state now (a deleted or hidden object only its id). When those states
    /// cannot be read, the replay is truncated too, rather than stale. Live
    /// delivery is not affected.
    pub async fn replay(
        &self,
        channel: &Channel,
        since: u64,
        viewer: &Actor,
        max_events: usize,
    ) -> Result<Replay, PortError> {
        let (head, events) = match self.read_since(channel, since).await? {
            Replay::Events { head, events } if events.len() > max_events => {
                metrics::counter!("websocket_limited_total", "limit" => "replay_events")
                    .increment(1);
                return Ok(Replay::Truncated { head });
            }
            Replay::Events { head, events } => (head, events),
            truncated => return Ok(truncated),
        };
        let Some(states) = self.inner.states.get() else {
            return Ok(Replay::Events { head, events });
        };
        match states.refresh(viewer, events).await {
            Ok(events) => Ok(Replay::Events { head, events }),
            Err(e) => {
                tracing::warn!(%channel, error = %e, "replayed objects not resolved: the client resyncs");
                Ok(Replay::Truncated { head })
            }
        }
    }

    /// The latest sequence number of `channel`.
    pub async fn head(&self, channel: &Channel) -> Result<u64, PortError> {
        self.inner.log.head(channel).await
    }

    /// What the hub holds in this process: `realtime_subscribed_channels`
    /// (channels with a local subscriber), `realtime_subscriptions` (over all
    /// channels) and its replay log's figures.
    pub fn footprint(&self) -> Vec<Size> {
        let (channels, subscriptions) = self.inner.registry.sizes();
        let mut sizes = vec![
            Size::count("realtime_subscribed_channels", channels),
            Size::count("realtime_subscriptions", subscriptions),
        ];
        sizes.extend(self.inner.log.footprint());
        sizes
    }

    /// How many connections of this instance are subscribed to `channel`.
    pub fn local_subscribers(&self, channel: &Channel) -> usize {
        self.inner.registry.count(channel)
    }

    pub(crate) fn connection_id(&self) -> u64 {
        self.inner.next_connection.fetch_add(1, Ordering::Relaxed)
    }

    /// Serves the connections of each thread that can run `spawn`'s tasks
    /// through a task on that thread (see [`crate::registry`]): one
    /// cross-thread wake-up per event and thread instead of one per
    /// connection. Set once, before connections are made.
    pub fn spawn_shards_with(&self, spawn: SpawnLocal) {
        self.inner.registry.spawn_shards_with(spawn);
    }

    /// The local subscribers (connections register and unregister there).
    pub(crate) fn registry(&self) -> &Arc<Registry> {
        &self.inner.registry
    }
}

impl Footprint for Hub {
    fn footprint(&self) -> Vec<Size> {
        Hub::footprint(self)
    }
}

#[async_trait]
impl EventBus for Hub {
    async fn publish(&self, event: Event) -> Result<(), PortError> {
        match self.publish_event(&event).await {
            Ok(_) => Ok(()),
            Err(e) => {
                metrics::counter!("realtime_publish_failures_total").increment(1);
                tracing::warn!(channel = %event.channel, event = %event.name, error = %e, "realtime event not published");
                Err(match e {
                    PublishError::Backend(e) => e,
                    other => PortError::new("realtime", other),
                })
            }
        }
    }
}

/// Drains the log's feed into the registry, filling gaps from the log.
struct Dispatcher {
    log: Arc<dyn ReplayLog>,
    registry: Arc<Registry>,
}

impl Dispatcher {
    async fn run(self, mut feed: Feed, mut stop: oneshot::Receiver<()>) {
        loop {
            let item = tokio::select! {
                _ = &mut stop => return,
                item = feed.next() => item,
            };
            match item {
                Some(FeedItem::Event(event)) => self.on_event(event).await,
                Some(FeedItem::Resumed) => self.catch_up().await,
                None => {
                    tracing::error!("realtime feed ended: no more live events on this instance");
                    return;
                }
            }
        }
    }

    fn deliver(&self, event: &Arc<SequencedEvent>) {
        self.registry.dispatch(
            &event.channel,
            Delivery::Event(event.clone()),
            Some(event.seq),
        );
    }

    fn resync(&self, channel: &Channel, from_seq: u64, reset: bool) {
        self.registry.dispatch(
            channel,
            Delivery::Resync {
                channel: *channel,
                from_seq,
                reset,
            },
            None,
        );
    }

    async fn on_event(&self, event: Arc<SequencedEvent>) {
        let Some(last) = self.registry.last_seq(&event.channel) else {
            return; // nobody here listens to this channel
        };
        if event.seq <= last {
            if event.seq == 1 && last > 1 {
                // The channel's counter started over.
                self.resync(&event.channel, 1, true);
                self.deliver(&event);
            }
            return; // already dispatched (a catch-up read got it first)
        }
        if last > 0 && event.seq > last + 1 {
            self.fill(&event.channel, last, event.seq).await;
        }
        self.deliver(&event);
    }

    /// Dispatches the events between `last` and `next` (exclusive) from the log.
    async fn fill(&self, channel: &Channel, last: u64, next: u64) {
        match self.log.read_since(channel, last).await {
            Ok(Replay::Events { events, .. }) => {
                let mut expected = last + 1;
                for event in events.iter().filter(|e| e.seq < next) {
                    if event.seq != expected {
                        break;
                    }
                    self.deliver(event);
                    expected += 1;
                }
                if expected < next {
                    self.resync(channel, next, false);
                }
            }
            Ok(Replay::Truncated { .. }) => self.resync(channel, next, false),
            Err(e) => {
                tracing::warn!(%channel, error = %e, "cannot fill a realtime gap: clients resync");
                self.resync(channel, next, false);
            }
        }
    }

    /// After a feed interruption: dispatches what every locally subscribed
    /// channel missed.
    async fn catch_up(&self) {
        for (channel, last) in self.registry.snapshot() {
            match self.log.read_since(&channel, last).await {
                Ok(Replay::Events { events, .. }) => {
                    for event in events {
                        if self
                            .registry
                            .last_seq(&channel)
                            .is_some_and(|l| event.seq > l)
                        {
                            self.deliver(&event);
                        }
                    }
                }
                Ok(Replay::Truncated { head }) => {
                    let resync = Delivery::Resync {
                        channel,
                        from_seq: head + 1,
                        reset: head < last,
                    };
                    self.registry.dispatch(&channel, resync, Some(head));
                }
                Err(e) => {
                    tracing::warn!(%channel, error = %e, "realtime catch-up failed");
                }
            }
        }
    }
}
