//! Settings of the HTTP transport against hostile clients: where and to whom
//! `/metrics` is served, and how long a request body may take to arrive.

use super::{BodyConfig, ConfigError, MetricsConfig, Secret};
use std::net::SocketAddr;
use std::time::Duration;

/// Who may read `/metrics` (see `http::metrics_access`).
#[derive(Clone, Debug, Default)]
pub struct MetricsSettings {
    /// A separate listener serving only `/metrics` (`P2P_METRICS_ADDR`); when
    /// set, the public listener does not serve it. Holds the bound address
    /// once the server listens (port 0 picks a free one).
    pub listen: Option<SocketAddr>,
    /// A bearer token every scrape must present (`P2P_METRICS_TOKEN`).
    pub token: Option<Secret<String>>,
}

/// How long a request body may take (see `http::body_deadline`): it is cut
/// off with 408 when no byte arrives for `timeout`, or when it arrives
/// slower than `timeout` plus one second per `min_bytes_per_sec` received.
#[derive(Clone, Copy, Debug)]
pub struct BodyReadSettings {
    pub timeout: Duration,
    pub min_bytes_per_sec: u64,
}

const MIN_METRICS_TOKEN_BYTES: usize = 16;

pub(super) fn metrics_settings(metrics: &MetricsConfig) -> Result<MetricsSettings, ConfigError> {
    let listen = metrics
        .addr
        .as_ref()
        .map(|addr| {
            addr.parse::<SocketAddr>().map_err(|_| {
                ConfigError::new(
                    "metrics_addr",
                    "must be an IP address and port, e.g. 127.0.0.1:9464",
                )
            })
        })
        .transpose()?;
    let token = metrics
        .token
        .as_ref()
        .map(|token| {
            let usable = token.expose().len() >= MIN_METRICS_TOKEN_BYTES
                && token.expose().bytes().all(|b| b.is_ascii_graphic());
            if usable {
                Ok(token.clone())
            } else {
                Err(ConfigError::new(
                    "metrics_token",
                    format!(
                        "must be at least {MIN_METRICS_TOKEN_BYTES} visible ASCII characters without spaces"
                    ),
                ))
            }
        })
        .transpose()?;
    Ok(MetricsSettings { listen, token })
}

pub(super) fn body_read_settings(body: &BodyConfig) -> Result<BodyReadSettings, ConfigError> {
    if !(1..=3600).contains(&body.read_timeout_secs) {
        return Err(ConfigError::new(
            "body_read_timeout_secs",
            "must be between 1 and 3600",
        ));
    }
    if !(1..=1_000_000_000).contains(&body.min_bytes_per_sec) {
        return Err(ConfigError::new(
            "body_min_bytes_per_sec",
            "must be between 1 and 1000000000",
        ));
    }
    Ok(BodyReadSettings {
        timeout: Duration::from_secs(body.read_timeout_secs),
        min_bytes_per_sec: body.min_bytes_per_sec,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(addr: Option<&str>, token: Option<&str>) -> Result<MetricsSettings, ConfigError> {
        metrics_settings(&MetricsConfig {
            addr: addr.map(str::to_owned),
            token: token.map(|t| Secret::new(t.to_owned())),
        })
    }

    fn body(
        read_timeout_secs: u64,
        min_bytes_per_sec: u64,
    ) -> Result<BodyReadSettings, ConfigError> {
        body_read_settings(&BodyConfig {
            read_timeout_secs,
            min_bytes_per_sec,
        })
    }

    #[test]
    fn metrics_keys_are_validated_and_named() {
        let ok = metrics(Some("127.0.0.1:9464"), Some(&"a".repeat(16)));
        assert!(ok.is_ok_and(|m| m.listen.is_some() && m.token.is_some()));
        let addr = metrics(Some("localhost"), None).err();
        assert_eq!(addr.map(|e| e.key), Some("P2P_METRICS_ADDR".into()));
        let short = metrics(None, Some("short")).err();
        assert_eq!(short.map(|e| e.key), Some("P2P_METRICS_TOKEN".into()));
        let spaced = metrics(None, Some("has a space in the middle")).err();
        assert_eq!(spaced.map(|e| e.key), Some("P2P_METRICS_TOKEN".into()));
    }

    #[test]
    fn body_read_defaults_and_bounds() {
        let defaults = body_read_settings(&BodyConfig::default()).ok();
        assert_eq!(
            defaults.map(|b| (b.timeout.as_secs(), b.min_bytes_per_sec)),
            Some((30, 1024))
        );
        let zero = body(0, 1024).err();
        assert_eq!(
            zero.map(|e| e.key),
            Some("P2P_BODY_READ_TIMEOUT_SECS".into())
        );
        let rate = body(30, 0).err();
        assert_eq!(
            rate.map(|e| e.key),
            Some("P2P_BODY_MIN_BYTES_PER_SEC".into())
        );
    }
}
