//! Configuration: built-in defaults → optional `p2p.toml` → environment.
//!
//! [`RawConfig`] is what figment reads (unknown keys are refused); [`Settings`]
//! is the validated, typed result the application is built from. Every error
//! names the key as an operator would write it in the environment.

mod bounds;
mod markdown;
mod raw;
mod s3;
mod secret;
mod settings;
mod transport;
mod websocket;

pub use bounds::MemoryBounds;
pub use raw::RawConfig;
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

/// Environment variables read without the `P2P_` prefix.
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

/// The environment variable of a configuration field (`port` → `P2P_PORT`).
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
    let raw = RawConfig::load(std::env::vars())?;
    Settings::from_raw(raw)
}
