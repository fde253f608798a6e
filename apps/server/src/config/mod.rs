//! Configuration: built-in defaults → optional `p2p.toml` → environment.
//!
//! [`Config`] is what figment reads: every key typed, in nested sections, with
//! its default (unknown keys are refused). [`Settings`] is the validated
//! result the application is built from. Every error names the key as an
//! operator would write it in the environment.

mod bounds;
mod deadlines;
mod keys;
mod markdown;
mod otlp;
mod s3;
mod secret;
mod settings;
mod sources;
mod transport;
mod websocket;

pub use bounds::MemoryBounds;
pub use deadlines::{BackendDeadlines, DATABASE_ACQUIRE};
pub use keys::{
    BodyConfig, Config, DatabaseConfig, InviteLimitConfig, JwtConfig, MetricsConfig, MongoConfig,
    OtlpConfig, RedisConfig, ReplayConfig, S3Config, WebSocketConfig,
};
pub use otlp::OtlpSettings;
pub use secret::Secret;
pub use settings::{
    DatabaseBackend, Environment, LogFormat, MongoSettings, RedisSettings, S3Settings, Settings,
    SmtpSettings,
};
pub use transport::{BodyReadSettings, MetricsSettings};
pub use websocket::WebSocketSettings;

use std::fmt;

/// A configuration problem, naming the offending key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            key: env_key(field),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: {}: {}", self.key, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Environment variables read without the `P2P_` prefix (the conventional
/// names of the backends' connection settings).
const UNPREFIXED: &[&str] = &[
    "DATABASE_URL",
    "MONGODB_URL",
    "MONGODB_DB",
    "REDIS_URL",
    "REDIS_PREFIX",
    "S3_ENDPOINT",
    "S3_BUCKET",
    "S3_REGION",
    "S3_ACCESS_KEY",
    "S3_SECRET_KEY",
    "S3_PATH_STYLE",
    "SMTP_URL",
    "MAIL_FROM",
];

/// The environment variable of a configuration key, its path joined with `_`
/// (`port` → `P2P_PORT`, `s3.bucket` → `S3_BUCKET`).
pub fn env_key(field: &str) -> String {
    let upper = field.to_ascii_uppercase();
    if UNPREFIXED.contains(&upper.as_str()) {
        upper
    } else {
        format!("P2P_{upper}")
    }
}

/// Loads settings from defaults, the optional file and the process environment.
pub fn load() -> Result<Settings, ConfigError> {
    Settings::from_config(Config::load()?)
}
