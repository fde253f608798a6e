//! In-process fixed-window rate limiting, bounded in keys.

use super::cache::to_usize;
use crate::footprint::{Footprint, Size};
use crate::ports::{PortError, RateDecision, RateLimiter};
use async_trait::async_trait;
use moka::ops::compute::Op;
use std::time::{Duration, Instant};

/// Fixed-window counters in memory, at most `max_keys` of them.
///
/// Each key's counter expires with its window. Beyond `max_keys` live
/// windows, the least used keys are evicted (moka's TinyLFU: a key hit
/// repeatedly outlives a flood of keys hit once); an evicted key starts a new
/// window on its next hit.
pub struct MemoryRateLimiter {
    windows: moka::future::Cache<String, Window>,
}

/// One key's current window.
#[derive(Clone, Copy, Debug)]
struct Window {
    start: Instant,
    len: Duration,
    hits: u32,
}

impl Window {
    fn end(&self) -> Instant {
        self.start + self.len
    }
}

/// A window's entry lives until the window ends.
struct UntilWindowEnds;

impl moka::Expiry<String, Window> for UntilWindowEnds {
    fn expire_after_create(
        &self,
        _key: &String,
        value: &Window,
        created_at: Instant,
    ) -> Option<Duration> {
        Some(value.end().saturating_duration_since(created_at))
    }

    fn expire_after_update(
        &self,
        _key: &String,
        value: &Window,
        updated_at: Instant,
        _duration_until_expiry: Option<Duration>,
    ) -> Option<Duration> {
        Some(value.end().saturating_duration_since(updated_at))
    }
}

impl MemoryRateLimiter {
    /// The bound of [`MemoryRateLimiter::default`].
    pub const DEFAULT_MAX_KEYS: u64 = 100_000;

    /// A limiter tracking at most `max_keys` keys.
    pub fn new(max_keys: u64) -> Self {
        Self {
            windows: moka::future::Cache::builder()
                .max_capacity(max_keys)
                .expire_after(UntilWindowEnds)
                .build(),
        }
    }

    /// Applies pending evictions and expirations now (they otherwise happen
    /// during later hits).
    pub async fn run_pending_tasks(&self) {
        self.windows.run_pending_tasks().await;
    }
}

impl Default for MemoryRateLimiter {
    fn default() -> Self {
        Self::new(Self::DEFAULT_MAX_KEYS)
    }
}

impl Footprint for MemoryRateLimiter {
    fn footprint(&self) -> Vec<Size> {
        vec![Size::count(
            "rate_limit_keys",
            to_usize(self.windows.entry_count()),
        )]
    }
}

#[async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn hit(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<RateDecision, PortError> {
        let now = Instant::now();
        // Serialized per key by moka: concurrent hits each count once.
        let counted = self
            .windows
            .entry_by_ref(key)
            .and_compute_with(|current| {
                let op = match current.map(|e| e.into_value()) {
                    Some(w) if now < w.end() && w.hits > limit => Op::Nop,
                    Some(w) if now < w.end() => Op::Put(Window {
                        hits: w.hits.saturating_add(1),
                        ..w
                    }),
                    _ => Op::Put(Window {
                        start: now,
                        len: window,
                        hits: 1,
                    }),
                };
                std::future::ready(op)
            })
            .await;
        let Some(current) = counted.into_entry().map(|e| e.into_value()) else {
            return Err(PortError::new("rate limiter", "window not recorded"));
        };
        if current.hits <= limit {
            Ok(RateDecision::Allowed {
                remaining: limit - current.hits,
            })
        } else {
            Ok(RateDecision::Limited {
                retry_after: current.end().saturating_duration_since(now),
            })
        }
    }

    async fn reset(&self, key: &str) -> Result<(), PortError> {
        self.windows.invalidate(key).await;
        Ok(())
    }
}
