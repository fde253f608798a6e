//! Limits of the WebSocket endpoints (`/ws`, `/ws/forum/{topic_id}`).

use super::{ConfigError, RawConfig};

/// What one user, and one socket, may make the real-time layer do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WebSocketSettings {
    /// Open sockets per user on one instance (beyond: 429 `too_many_sockets`).
    pub max_sockets_per_user: usize,
    /// `subscribe` frames per socket and minute (beyond: `rate_limited`).
    pub subscribes_per_minute: u32,
    /// Events one replay may send (beyond: `resync_required`).
    pub max_replay_events: usize,
}

impl WebSocketSettings {
    pub(super) fn from_raw(raw: &RawConfig) -> Result<Self, ConfigError> {
        Ok(Self {
            max_sockets_per_user: within(
                "ws_max_sockets_per_user",
                raw.ws_max_sockets_per_user,
                20,
                10_000,
            )?,
            subscribes_per_minute: within(
                "ws_subscribes_per_minute",
                raw.ws_subscribes_per_minute,
                120,
                100_000,
            )?,
            max_replay_events: within(
                "ws_max_replay_events",
                raw.ws_max_replay_events,
                100,
                100_000,
            )?,
        })
    }
}

/// `value` (or `default`) when within `1..=max`, else an error naming `field`.
pub(super) fn within<T: TryFrom<u64>>(
    field: &str,
    value: Option<u64>,
    default: u64,
    max: u64,
) -> Result<T, ConfigError> {
    value
        .or(Some(default))
        .filter(|n| (1..=max).contains(n))
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| ConfigError::new(field, format!("must be between 1 and {max}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        let defaults = WebSocketSettings::from_raw(&RawConfig::default());
        assert_eq!(
            defaults,
            Ok(WebSocketSettings {
                max_sockets_per_user: 20,
                subscribes_per_minute: 120,
                max_replay_events: 100,
            })
        );
        let raw = RawConfig {
            ws_subscribes_per_minute: Some(0),
            ..RawConfig::default()
        };
        let err = WebSocketSettings::from_raw(&raw).err();
        assert_eq!(
            err.map(|e| e.key),
            Some("P2P_WS_SUBSCRIBES_PER_MINUTE".to_owned())
        );
        let raw = RawConfig {
            ws_max_sockets_per_user: Some(10_001),
            ..RawConfig::default()
        };
        let err = WebSocketSettings::from_raw(&raw).err();
        assert_eq!(
            err.map(|e| e.key),
            Some("P2P_WS_MAX_SOCKETS_PER_USER".to_owned())
        );
    }
}
