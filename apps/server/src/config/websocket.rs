//! Limits of the WebSocket endpoints (`/ws`, `/ws/forum/{topic_id}`).

use super::{ConfigError, WebSocketConfig};

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
    pub(super) fn from_config(ws: &WebSocketConfig) -> Result<Self, ConfigError> {
        Ok(Self {
            max_sockets_per_user: within(
                "ws_max_sockets_per_user",
                ws.max_sockets_per_user,
                10_000,
            )?,
            subscribes_per_minute: within(
                "ws_subscribes_per_minute",
                ws.subscribes_per_minute,
                100_000,
            )?,
            max_replay_events: within("ws_max_replay_events", ws.max_replay_events, 100_000)?,
        })
    }
}

/// `value` when within `1..=max`, else an error naming `field`.
pub(super) fn within<T: TryFrom<u64>>(field: &str, value: u64, max: u64) -> Result<T, ConfigError> {
    Some(value)
        .filter(|n| (1..=max).contains(n))
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| ConfigError::new(field, format!("must be between 1 and {max}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        let defaults = WebSocketSettings::from_config(&WebSocketConfig::default());
        assert_eq!(
            defaults,
            Ok(WebSocketSettings {
                max_sockets_per_user: 20,
                subscribes_per_minute: 120,
                max_replay_events: 100,
            })
        );
        let ws = WebSocketConfig {
            subscribes_per_minute: 0,
            ..WebSocketConfig::default()
        };
        let err = WebSocketSettings::from_config(&ws).err();
        assert_eq!(
            err.map(|e| e.key),
            Some("P2P_WS_SUBSCRIBES_PER_MINUTE".to_owned())
        );
        let ws = WebSocketConfig {
            max_sockets_per_user: 10_001,
            ..WebSocketConfig::default()
        };
        let err = WebSocketSettings::from_config(&ws).err();
        assert_eq!(
            err.map(|e| e.key),
            Some("P2P_WS_MAX_SOCKETS_PER_USER".to_owned())
        );
    }
}
