//! Settings of the HTTP transport against hostile clients: where and to whom
//! `/metrics` is served.

use super::{ConfigError, Secret};
use std::net::SocketAddr;

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

const MIN_METRICS_TOKEN_BYTES: usize = 16;

pub(super) fn metrics_settings(
    listen: Option<String>,
    token: Option<String>,
) -> Result<MetricsSettings, ConfigError> {
    let listen = listen
        .map(|addr| {
            addr.parse::<SocketAddr>().map_err(|_| {
                ConfigError::new(
                    "metrics_addr",
                    "must be an IP address and port, e.g. 127.0.0.1:9464",
                )
            })
        })
        .transpose()?;
    let token = token
        .map(|token| {
            let usable = token.len() >= MIN_METRICS_TOKEN_BYTES
                && token.bytes().all(|b| b.is_ascii_graphic());
            if usable {
                Ok(Secret::new(token))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_keys_are_validated_and_named() {
        let ok = metrics_settings(Some("127.0.0.1:9464".into()), Some("a".repeat(16)));
        assert!(ok.is_ok_and(|m| m.listen.is_some() && m.token.is_some()));
        let addr = metrics_settings(Some("localhost".into()), None).err();
        assert_eq!(addr.map(|e| e.key), Some("P2P_METRICS_ADDR".into()));
        let short = metrics_settings(None, Some("short".into())).err();
        assert_eq!(short.map(|e| e.key), Some("P2P_METRICS_TOKEN".into()));
        let spaced = metrics_settings(None, Some("has a space in the middle".into())).err();
        assert_eq!(spaced.map(|e| e.key), Some("P2P_METRICS_TOKEN".into()));
    }
}
