//! Bounds of what the server keeps in memory (issue 22: everything that grows
//! with traffic or data has a configured ceiling and a gauge of its size).

use super::keys::MIB;
use super::websocket::within;
use super::{Config, ConfigError};
use std::time::Duration;

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
    pub(super) fn from_config(config: &Config) -> Result<Self, ConfigError> {
        let replay = &config.replay;
        Ok(Self {
            cache_max_bytes: within("cache_max_bytes", config.cache_max_bytes, 64 * 1024 * MIB)?,
            rate_limit_max_keys: within(
                "rate_limit_max_keys",
                config.rate_limit_max_keys,
                100_000_000,
            )?,
            replay_max_events: within("replay_max_events", replay.max_events, 100_000)?,
            replay_retention: Duration::from_secs(within(
                "replay_retention_secs",
                replay.retention_secs,
                7 * 24 * 3600,
            )?),
            replay_max_bytes: within("replay_max_bytes", replay.max_bytes, 64 * 1024 * MIB)?,
            replay_max_channels: within("replay_max_channels", replay.max_channels, 100_000_000)?,
            search_queue_capacity: within(
                "search_queue_capacity",
                config.search_queue_capacity,
                10_000_000,
            )?,
            database_max_connections: config
                .database
                .max_connections
                .map(|n| within("database_max_connections", n, 1000))
                .transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_refusals() -> Result<(), ConfigError> {
        let bounds = MemoryBounds::from_config(&Config::default())?;
        assert_eq!(bounds.cache_max_bytes, 64 * MIB);
        assert_eq!(bounds.replay_retention, Duration::from_secs(3600));
        assert_eq!(bounds.database_max_connections, None);
        let mut config = Config::default();
        config.replay.max_bytes = 0;
        let err = MemoryBounds::from_config(&config).err().map(|e| e.key);
        assert_eq!(err.as_deref(), Some("P2P_REPLAY_MAX_BYTES"));
        let mut config = Config::default();
        config.database.max_connections = Some(5000);
        let err = MemoryBounds::from_config(&config).err().map(|e| e.key);
        assert_eq!(err.as_deref(), Some("P2P_DATABASE_MAX_CONNECTIONS"));
        Ok(())
    }
}
