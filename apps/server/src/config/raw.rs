use super::{ConfigError, UNPREFIXED, env_key};
use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Configuration as read, before validation. Field names are the file keys;
/// environment variables are `P2P_<FIELD>` except the unprefixed backend keys.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    pub env: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub data_dir: Option<String>,
    pub public_url: Option<String>,
    pub cors_origins: Option<String>,
    /// Comma-separated addresses or networks of reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Option<String>,
    pub jwt_secret: Option<String>,
    pub jwt_secret_file: Option<String>,
    pub access_token_ttl_secs: Option<u64>,
    pub refresh_token_ttl_secs: Option<u64>,
    pub run_migrations: Option<bool>,
    pub max_body_bytes: Option<usize>,
    pub log_format: Option<String>,
    pub shutdown_timeout_secs: Option<u64>,
    /// How long sent data may stay unacknowledged (a peer gone, or one that
    /// stopped reading: zero window) before the connection is dropped.
    pub unacked_timeout_secs: Option<u64>,
    pub workers: Option<usize>,
    /// Seconds a request body may go without a byte (and its initial allowance).
    pub body_read_timeout_secs: Option<u64>,
    /// The slowest average rate a request body may arrive at after that allowance.
    pub body_min_bytes_per_sec: Option<u64>,
    /// `host:port` of a separate listener that serves only `/metrics`.
    pub metrics_addr: Option<String>,
    /// Bearer token required to read `/metrics`.
    pub metrics_token: Option<String>,
    pub database_url: Option<String>,
    pub mongodb_url: Option<String>,
    pub mongodb_db: Option<String>,
    pub redis_url: Option<String>,
    pub redis_prefix: Option<String>,
    pub s3_endpoint: Option<String>,
    pub s3_bucket: Option<String>,
    pub s3_region: Option<String>,
    pub s3_access_key: Option<String>,
    pub s3_secret_key: Option<String>,
    pub s3_path_style: Option<bool>,
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    pub notification_digest_secs: Option<u64>,
    pub message_send_limit_per_minute: Option<u64>,
    /// Invitations one organization may send per hour (429 beyond).
    pub invite_limit_per_organization_per_hour: Option<u64>,
    /// Invitations one admin may send per hour (429 beyond).
    pub invite_limit_per_admin_per_hour: Option<u64>,
    /// Comma-separated hosts whose images Markdown may show (others become links).
    pub markdown_image_hosts: Option<String>,
    /// PKCS#8 PEM of the FDI's RS256 key (`/auth`); default `<data_dir>/fdi-signing-key.pem`.
    pub fdi_signing_key_file: Option<String>,
    /// Unverified users get 403 `invalid claim` on `/api/v1` (but `/auth/*` and `GET /users/me`).
    pub require_email_verification: Option<bool>,
    /// WebSocket limits (`config::WebSocketSettings`).
    pub ws_max_sockets_per_user: Option<u64>,
    pub ws_subscribes_per_minute: Option<u64>,
    pub ws_max_replay_events: Option<u64>,
    /// Memory bounds (`config::MemoryBounds`).
    pub cache_max_bytes: Option<u64>,
    pub rate_limit_max_keys: Option<u64>,
    pub replay_max_events: Option<u64>,
    pub replay_retention_secs: Option<u64>,
    pub replay_max_bytes: Option<u64>,
    pub replay_max_channels: Option<u64>,
    pub search_queue_capacity: Option<u64>,
    pub database_max_connections: Option<u64>,
}

/// `P2P_` variables that are not configuration keys.
const IGNORED_PREFIXED: &[&str] = &[
    "CONFIG",
    "TEST_BACKEND",
    "SERVICES_DIR",
    "SUPERUSER_PASSWORD",
    "SEED_PASSWORD",
];

impl RawConfig {
    /// Defaults → the file named by `P2P_CONFIG` (or `./p2p.toml` when present)
    /// → the given environment.
    pub fn load(vars: impl Iterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        let vars: Vec<(String, String)> =
            vars.filter(|(k, _)| !k.starts_with("P2P_TEST_")).collect();
        let file = vars
            .iter()
            .find(|(k, _)| k == "P2P_CONFIG")
            .map(|(_, v)| (PathBuf::from(v), true))
            .unwrap_or_else(|| (PathBuf::from("p2p.toml"), false));
        let mut figment = Figment::from(Serialized::defaults(RawConfig::default()));
        match file {
            (path, true) if !path.exists() => {
                return Err(ConfigError {
                    key: "P2P_CONFIG".into(),
                    message: format!("file {} does not exist", path.display()),
                });
            }
            (path, _) if path.exists() => figment = figment.merge(Toml::file(path)),
            _ => {}
        }
        figment = figment.merge(env_provider(&vars));
        figment.extract().map_err(from_figment)
    }
}

/// The environment as a figment provider over the given variables only.
fn env_provider(
    vars: &[(String, String)],
) -> figment::providers::Serialized<serde_json::Map<String, serde_json::Value>> {
    let mut map = serde_json::Map::new();
    for (key, value) in vars {
        let field = if let Some(rest) = key.strip_prefix("P2P_") {
            if IGNORED_PREFIXED.contains(&rest) {
                continue;
            }
            rest.to_ascii_lowercase()
        } else if UNPREFIXED.contains(&key.as_str()) {
            key.to_ascii_lowercase()
        } else {
            continue;
        };
        let typed = typed_env_value(&field, value);
        map.insert(field, typed);
    }
    Serialized::defaults(map)
}

const NUMERIC_FIELDS: &[&str] = &[
    "port",
    "access_token_ttl_secs",
    "refresh_token_ttl_secs",
    "max_body_bytes",
    "shutdown_timeout_secs",
    "unacked_timeout_secs",
    "workers",
    "body_read_timeout_secs",
    "body_min_bytes_per_sec",
    "notification_digest_secs",
    "message_send_limit_per_minute",
    "ws_max_sockets_per_user",
    "ws_subscribes_per_minute",
    "ws_max_replay_events",
    "invite_limit_per_organization_per_hour",
    "invite_limit_per_admin_per_hour",
    "cache_max_bytes",
    "rate_limit_max_keys",
    "replay_max_events",
    "replay_retention_secs",
    "replay_max_bytes",
    "replay_max_channels",
    "search_queue_capacity",
    "database_max_connections",
];
const BOOLEAN_FIELDS: &[&str] = &[
    "run_migrations",
    "s3_path_style",
    "require_email_verification",
];

/// Environment values are strings; those of numeric and boolean fields are
/// converted when they parse, and otherwise left as strings so that the
/// type error names the key.
fn typed_env_value(field: &str, value: &str) -> serde_json::Value {
    let trimmed = value.trim();
    if NUMERIC_FIELDS.contains(&field)
        && let Ok(n) = trimmed.parse::<u64>()
    {
        return serde_json::Value::from(n);
    }
    if BOOLEAN_FIELDS.contains(&field) {
        match trimmed.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => return serde_json::Value::Bool(true),
            "false" | "0" | "no" => return serde_json::Value::Bool(false),
            _ => {}
        }
    }
    serde_json::Value::String(value.to_owned())
}

fn from_figment(err: figment::Error) -> ConfigError {
    let field = err.path.join(".");
    let message = match &err.kind {
        figment::error::Kind::UnknownField(name, _) => {
            return ConfigError {
                key: env_key(name),
                message: "unknown configuration key".into(),
            };
        }
        kind => kind.to_string(),
    };
    if field.is_empty() {
        ConfigError {
            key: "configuration".into(),
            message,
        }
    } else {
        ConfigError::new(&field, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(vars: &[(&str, &str)]) -> Result<RawConfig, ConfigError> {
        RawConfig::load(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn reads_prefixed_and_backend_keys() {
        let raw = load(&[
            ("P2P_PORT", "9001"),
            ("DATABASE_URL", "postgres://x@h/db"),
            ("PATH", "/usr/bin"),
            ("P2P_RUN_MIGRATIONS", "false"),
        ]);
        let raw = raw.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(raw.port, Some(9001));
        assert_eq!(raw.database_url.as_deref(), Some("postgres://x@h/db"));
        assert_eq!(raw.run_migrations, Some(false));
    }

    #[test]
    fn unknown_prefixed_key_is_named() {
        let err = load(&[("P2P_PROT", "1")]).err();
        assert_eq!(err.map(|e| e.key), Some("P2P_PROT".to_string()));
    }

    #[test]
    fn wrong_type_is_named() {
        let err = load(&[("P2P_PORT", "eighty")]).err();
        assert_eq!(err.map(|e| e.key), Some("P2P_PORT".to_string()));
        let err = load(&[("P2P_PORT", "70000")]).err();
        assert_eq!(err.map(|e| e.key), Some("P2P_PORT".to_string()));
    }

    #[test]
    fn digits_in_a_string_field_stay_a_string() {
        let raw = load(&[("MONGODB_DB", "2026"), ("P2P_JWT_SECRET", "1234")])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(raw.mongodb_db.as_deref(), Some("2026"));
        assert_eq!(raw.jwt_secret.as_deref(), Some("1234"));
    }
}
