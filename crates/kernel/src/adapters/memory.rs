//! In-process adapters for a single server instance.

use crate::event::Event;
use crate::ports::{Cache, EventBus, MessageStream, PortError, PubSub, RateDecision, RateLimiter};
use async_trait::async_trait;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// A bounded in-memory cache with per-entry time to live.
pub struct MemoryCache {
    entries: moka::future::Cache<String, (Vec<u8>, Duration)>,
}

struct PerEntryTtl;

impl moka::Expiry<String, (Vec<u8>, Duration)> for PerEntryTtl {
    fn expire_after_create(
        &self,
        _key: &String,
        value: &(Vec<u8>, Duration),
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(value.1)
    }

    fn expire_after_update(
        &self,
        _key: &String,
        value: &(Vec<u8>, Duration),
        _updated_at: Instant,
        _duration_until_expiry: Option<Duration>,
    ) -> Option<Duration> {
        Some(value.1)
    }
}

impl MemoryCache {
    /// A cache holding at most `max_entries` entries.
    pub fn new(max_entries: u64) -> Self {
        Self {
            entries: moka::future::Cache::builder()
                .max_capacity(max_entries)
                .expire_after(PerEntryTtl)
                .build(),
        }
    }
}

impl Default for MemoryCache {
    fn default() -> Self {
        Self::new(100_000)
    }
}

#[async_trait]
impl Cache for MemoryCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        Ok(self.entries.get(key).await.map(|(v, _)| v))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), PortError> {
        self.entries
            .insert(key.to_owned(), (value.to_vec(), ttl))
            .await;
        Ok(())
    }

    async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, PortError> {
        let entry = self
            .entries
            .entry(key.to_owned())
            .or_insert((value.to_vec(), ttl))
            .await;
        Ok(entry.is_fresh())
    }

    async fn delete(&self, key: &str) -> Result<(), PortError> {
        self.entries.invalidate(key).await;
        Ok(())
    }
}

/// Fixed-window counters in memory.
#[derive(Default)]
pub struct MemoryRateLimiter {
    windows: Mutex<HashMap<String, (u32, Instant, Duration)>>,
}

/// Above this many tracked keys, expired windows are swept on the next hit.
const SWEEP_ABOVE: usize = 10_000;

#[async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn hit(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<RateDecision, PortError> {
        let now = Instant::now();
        let mut windows = self
            .windows
            .lock()
            .map_err(|_| PortError::new("rate limiter", "lock poisoned"))?;
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, (_, start, len)| now.duration_since(*start) < *len);
        }
        let entry = windows.entry(key.to_owned()).or_insert((0, now, window));
        if now.duration_since(entry.1) >= entry.2 {
            *entry = (0, now, window);
        }
        entry.0 = entry.0.saturating_add(1);
        if entry.0 <= limit {
            Ok(RateDecision::Allowed {
                remaining: limit - entry.0,
            })
        } else {
            let elapsed = now.duration_since(entry.1);
            Ok(RateDecision::Limited {
                retry_after: entry.2.saturating_sub(elapsed),
            })
        }
    }

    async fn reset(&self, key: &str) -> Result<(), PortError> {
        let mut windows = self
            .windows
            .lock()
            .map_err(|_| PortError::new("rate limiter", "lock poisoned"))?;
        windows.remove(key);
        Ok(())
    }
}

/// Publish/subscribe inside one process.
pub struct MemoryPubSub {
    channels: Mutex<HashMap<String, broadcast::Sender<Vec<u8>>>>,
    capacity: usize,
}

impl MemoryPubSub {
    /// `capacity` messages may be buffered per slow subscriber before it skips ahead.
    pub fn new(capacity: usize) -> Self {
        Self {
            channels: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    fn sender(&self, channel: &str) -> Result<broadcast::Sender<Vec<u8>>, PortError> {
        let mut channels = self
            .channels
            .lock()
            .map_err(|_| PortError::new("pubsub", "lock poisoned"))?;
        channels.retain(|_, tx| tx.receiver_count() > 0);
        Ok(channels
            .entry(channel.to_owned())
            .or_insert_with(|| broadcast::channel(self.capacity).0)
            .clone())
    }
}

impl Default for MemoryPubSub {
    fn default() -> Self {
        Self::new(1024)
    }
}

#[async_trait]
impl PubSub for MemoryPubSub {
    async fn publish(&self, channel: &str, payload: &[u8]) -> Result<(), PortError> {
        let channels = self
            .channels
            .lock()
            .map_err(|_| PortError::new("pubsub", "lock poisoned"))?;
        if let Some(tx) = channels.get(channel) {
            // No receiver is not an error: nobody is listening.
            let _ = tx.send(payload.to_vec());
        }
        Ok(())
    }

    async fn subscribe(&self, channel: &str) -> Result<MessageStream, PortError> {
        let rx = self.sender(channel)?.subscribe();
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(msg) => return Some((msg, rx)),
                    Err(broadcast::error::RecvError::Lagged(skipped)) => {
                        tracing::warn!(skipped, "in-process pubsub subscriber lagged");
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        Ok(stream.boxed())
    }
}

/// An in-process event bus: every subscriber gets every event.
pub struct BroadcastEventBus {
    tx: broadcast::Sender<Event>,
}

impl BroadcastEventBus {
    pub fn new(capacity: usize) -> Self {
        Self {
            tx: broadcast::channel(capacity).0,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
}

impl Default for BroadcastEventBus {
    fn default() -> Self {
        Self::new(4096)
    }
}

#[async_trait]
impl EventBus for BroadcastEventBus {
    async fn publish(&self, event: Event) {
        let _ = self.tx.send(event);
    }
}

/// Keeps the notification requests it receives: for services whose tests
/// check what they asked to notify, and for tools that run without the
/// notifications domain.
#[derive(Default)]
pub struct RecordingNotifier {
    requests: Mutex<Vec<crate::ports::NotificationRequest>>,
}

impl RecordingNotifier {
    /// Everything received so far, oldest first, emptying the record.
    pub fn take(&self) -> Vec<crate::ports::NotificationRequest> {
        match self.requests.lock() {
            Ok(mut guard) => std::mem::take(&mut *guard),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        }
    }
}

#[async_trait]
impl crate::ports::Notifier for RecordingNotifier {
    async fn notify(&self, requests: Vec<crate::ports::NotificationRequest>) {
        match self.requests.lock() {
            Ok(mut guard) => guard.extend(requests),
            Err(poisoned) => poisoned.into_inner().extend(requests),
        }
    }
}
