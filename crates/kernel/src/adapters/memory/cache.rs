//! The in-process cache, bounded in bytes.

use crate::footprint::{Footprint, Size};
use crate::ports::{Cache, PortError};
use async_trait::async_trait;
use std::time::{Duration, Instant};

/// A cache bounded in bytes with per-entry time to live.
///
/// Each entry weighs its key and value lengths plus [`MemoryCache::ENTRY_OVERHEAD`];
/// above `max_bytes`, the entries least likely to be used again are evicted
/// (moka's TinyLFU). Evictions are applied on the cache's housekeeping, which
/// runs with reads and writes (or [`MemoryCache::run_pending_tasks`]), so the
/// total may exceed the bound briefly.
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
    /// The bound of [`MemoryCache::default`]: 64 MiB.
    pub const DEFAULT_MAX_BYTES: u64 = 64 * 1024 * 1024;

    /// Bytes counted per entry on top of its key and value (an estimate of
    /// the cache's own bookkeeping per entry).
    pub const ENTRY_OVERHEAD: u32 = 128;

    /// A cache holding at most `max_bytes` (keys, values and per-entry overhead).
    pub fn new(max_bytes: u64) -> Self {
        Self {
            entries: moka::future::Cache::builder()
                .max_capacity(max_bytes)
                .weigher(|key: &String, value: &(Vec<u8>, Duration)| weight(key, &value.0))
                .expire_after(PerEntryTtl)
                .build(),
        }
    }

    /// Applies pending evictions and expirations now (they otherwise happen
    /// during later reads and writes).
    pub async fn run_pending_tasks(&self) {
        self.entries.run_pending_tasks().await;
    }
}

/// What an entry counts for in the byte bound.
fn weight(key: &str, value: &[u8]) -> u32 {
    let len = key.len().saturating_add(value.len());
    u32::try_from(len)
        .unwrap_or(u32::MAX)
        .saturating_add(MemoryCache::ENTRY_OVERHEAD)
}

impl Default for MemoryCache {
    fn default() -> Self {
        Self::new(Self::DEFAULT_MAX_BYTES)
    }
}

impl Footprint for MemoryCache {
    fn footprint(&self) -> Vec<Size> {
        vec![
            Size::count("cache_entries", to_usize(self.entries.entry_count())),
            Size::count("cache_bytes", to_usize(self.entries.weighted_size())),
        ]
    }
}

/// A moka figure as a count.
pub(super) fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
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
