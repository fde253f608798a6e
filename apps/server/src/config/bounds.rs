//! Bounds of what the server keeps in memory (issue 22: everything that grows
//! with traffic or data has a configured ceiling and a gauge of its size).

use super::websocket::within;
use super::{ConfigError, RawConfig};
use std::time::Duration;

const MIB: u64 = 1024 * 1024;

/// Ceilings of the in-process structures; the networked backends (Redis,
/// PostgreSQL) bound their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryBounds {
    /// Bytes of the in-process cache (embedded deployment).
    pub cache_max_bytes: u64,
    /// Keys of the in-process rate limiter (embedded deployment).
    pub rate_limit_max_keys: u64,
    /// Events kept per real-time channel for replay.
    pub replay_max_events: usize,
    /// How long a real-time event stays replayable.
    pub replay_retention: Duration,
    /// Bytes of replayable events over all channels (in-process log).
    pub replay_max_bytes: usize,
    /// Channels the in-process replay log remembers.
    pub replay_max_channels: usize,
    /// Events waiting for the search indexer (beyond: dropped, a reindex repairs).
    pub search_queue_capacity: usize,
    /// Connections of the database pool (default 20 on PostgreSQL, 8 on SQLite).
    pub database_max_connections: Option<u32>,
}

impl MemoryBounds {
    pub(super) fn from_raw(raw: &RawConfig) -> Result<Self, ConfigError> {
        Ok(Self {
            cache_max_bytes: within(
                "cache_max_bytes",
                raw.cache_max_bytes,
                64 * MIB,
                64 * 1024 * MIB,
            )?,
            rate_limit_max_keys: within(
                "rate_limit_max_keys",
                raw.rate_limit_max_keys,
                100_000,
                100_000_000,
            )?,
            replay_max_events: within("replay_max_events", raw.replay_max_events, 256, 100_000)?,
            replay_retention: Duration::from_secs(within(
                "replay_retention_secs",
                raw.replay_retention_secs,
                3600,
                7 * 24 * 3600,
            )?),
            replay_max_bytes: within(
                "replay_max_bytes",
                raw.replay_max_bytes,
                16 * MIB,
                64 * 1024 * MIB,
            )?,
            replay_max_channels: within(
                "replay_max_channels",
                raw.replay_max_channels,
                100_000,
                100_000_000,
            )?,
            search_queue_capacity: within(
                "search_queue_capacity",
                raw.search_queue_capacity,
                10_000,
                10_000_000,
            )?,
            database_max_connections: match raw.database_max_connections {
                None => None,
                Some(n) => Some(within("database_max_connections", Some(n), n, 1000)?),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_refusals() -> Result<(), ConfigError> {
        let bounds = MemoryBounds::from_raw(&RawConfig::default())?;
        assert_eq!(bounds.cache_max_bytes, 64 * MIB);
        assert_eq!(bounds.replay_retention, Duration::from_secs(3600));
        assert_eq!(bounds.database_max_connections, None);
        let raw = RawConfig {
            replay_max_bytes: Some(0),
            ..RawConfig::default()
        };
        let err = MemoryBounds::from_raw(&raw).err().map(|e| e.key);
        assert_eq!(err.as_deref(), Some("P2P_REPLAY_MAX_BYTES"));
        let raw = RawConfig {
            database_max_connections: Some(5000),
            ..RawConfig::default()
        };
        let err = MemoryBounds::from_raw(&raw).err().map(|e| e.key);
        assert_eq!(err.as_deref(), Some("P2P_DATABASE_MAX_CONNECTIONS"));
        Ok(())
    }
}
