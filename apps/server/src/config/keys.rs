//! Every configuration key, typed, with its built-in default.
//!
//! A key's environment variable is its path joined with `_`, upper-cased and
//! prefixed with `P2P_` (`ws.max_sockets_per_user` → `P2P_WS_MAX_SOCKETS_PER_USER`),
//! except the backend keys of [`super::UNPREFIXED`] (`s3.bucket` → `S3_BUCKET`).
//! A section (a nested struct) exists where keys share a prefix; adding a key
//! is adding a field here and its default below, nothing else.

use super::Secret;
use super::settings::{Environment, LogFormat};
use p2p_kernel::adapters::redis::RedisTimeouts;
use p2p_kernel::persistence::MongoDeadline;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// A default deadline as its key's milliseconds (the kernel's default is the
/// one source of truth).
fn millis(default: Duration) -> u64 {
    u64::try_from(default.as_millis()).unwrap_or(u64::MAX)
}

/// The configuration as read from the defaults, the file and the environment.
/// Values are only typed here; [`super::Settings::from_config`] checks ranges
/// and formats and derives what depends on other keys.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub env: Environment,
    pub host: String,
    pub port: u16,
    pub data_dir: PathBuf,
    /// Default `http://<host>:<port>`, following the port actually bound.
    pub public_url: Option<String>,
    /// Comma-separated browser origins.
    pub cors_origins: String,
    /// Comma-separated addresses or networks of reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: String,
    pub jwt: JwtConfig,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_secs: u64,
    pub run_migrations: bool,
    /// Whether this instance works through the event outbox (what follows a
    /// new topic, post or message or a use case published); instances
    /// sharing a database share the work.
    pub run_event_outbox: bool,
    /// How long the event outbox keeps parked events (given up on) and
    /// notification sources (what makes a redelivered event notify nobody
    /// twice): at least an hour, longer than an event can be retried.
    pub event_outbox_retention_secs: u64,
    pub max_body_bytes: usize,
    /// Default: pretty in development, JSON in production.
    pub log_format: Option<LogFormat>,
    pub shutdown_timeout_secs: u64,
    /// On SIGTERM, how long the server keeps serving while `/health/ready`
    /// answers 503 `draining`, so a load balancer stops sending it new
    /// requests before it closes its listener and WebSockets (0: at once).
    pub shutdown_drain_secs: u64,
    /// How long sent data may stay unacknowledged (a peer gone, or one that
    /// stopped reading: zero window) before the connection is dropped.
    pub unacked_timeout_secs: u64,
    /// How long a request's own work may take (the time its body takes to
    /// arrive excluded: see `body`) before it is answered 503 with
    /// `Retry-After`; default one second past the longest backend deadline.
    pub request_timeout_ms: Option<u64>,
    /// Default: actix-web's (one per core).
    pub workers: Option<usize>,
    pub body: BodyConfig,
    pub metrics: MetricsConfig,
    pub database: DatabaseConfig,
    pub mongodb: MongoConfig,
    pub redis: RedisConfig,
    pub s3: S3Config,
    pub smtp_url: Option<Secret<String>>,
    pub mail_from: String,
    pub notification_digest_secs: u64,
    /// Replies in one topic within this many seconds of the first are one
    /// notification (while unread); 0 turns grouping off.
    pub notification_group_secs: u64,
    pub message_send_limit_per_minute: u64,
    pub invite_limit: InviteLimitConfig,
    /// Comma-separated hosts whose images Markdown may show (others become links).
    pub markdown_image_hosts: String,
    /// PKCS#8 PEM of the FDI's RS256 key (`/auth`); default `<data_dir>/fdi-signing-key.pem`.
    pub fdi_signing_key_file: Option<PathBuf>,
    /// Unverified users get 403 `invalid claim` on `/api/v1` (but `/auth/*` and `GET /users/me`).
    pub require_email_verification: bool,
    pub ws: WebSocketConfig,
    /// Memory bounds (`config::MemoryBounds`), with `replay` and `database.max_connections`.
    pub cache_max_bytes: u64,
    pub rate_limit_max_keys: u64,
    pub replay: ReplayConfig,
    pub search_queue_capacity: u64,
    pub otlp: OtlpConfig,
}

/// `P2P_JWT_SECRET` or `P2P_JWT_SECRET_FILE` (not both).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JwtConfig {
    pub secret: Option<Secret<String>>,
    pub secret_file: Option<PathBuf>,
}

/// `P2P_BODY_*`: how long a request body may take to arrive.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BodyConfig {
    /// Seconds a request body may go without a byte (and its initial allowance).
    pub read_timeout_secs: u64,
    /// The slowest average rate a request body may arrive at after that allowance.
    pub min_bytes_per_sec: u64,
}

/// `P2P_METRICS_*`: where and to whom `/metrics` is served.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// `host:port` of a separate listener that serves only `/metrics`.
    pub addr: Option<String>,
    /// Bearer token required to read `/metrics`.
    pub token: Option<Secret<String>>,
}

/// `DATABASE_URL` (default: SQLite in the data directory) and `P2P_DATABASE_MAX_CONNECTIONS`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    pub url: Option<Secret<String>>,
    /// Default 20 on PostgreSQL, 8 on SQLite.
    pub max_connections: Option<u64>,
}

/// `MONGODB_URL`, `MONGODB_DB`: documents in MongoDB when the URL is set.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MongoConfig {
    pub url: Option<Secret<String>>,
    pub db: String,
    /// Milliseconds each MongoDB operation may take (a list: the query and
    /// its results); the driver bounds only finding a server.
    pub timeout_ms: u64,
    /// After an operation found MongoDB unreachable, milliseconds during
    /// which every operation fails at once (0: each waits its own timeout).
    pub breaker_ms: u64,
}

/// `REDIS_URL`, `REDIS_PREFIX`: cache, rate limits and pub/sub in Redis when the URL is set.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisConfig {
    pub url: Option<Secret<String>>,
    pub prefix: String,
    /// Milliseconds each Redis operation may take (and waiting for a pooled connection).
    pub timeout_ms: u64,
    /// After an operation failed for want of Redis, milliseconds during which
    /// every operation fails at once (0: each waits its own timeout).
    pub breaker_ms: u64,
}

/// `S3_*`: files in an S3-compatible store once an endpoint or bucket is named.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct S3Config {
    pub endpoint: Option<String>,
    pub bucket: Option<String>,
    pub region: String,
    pub access_key: Option<String>,
    pub secret_key: Option<Secret<String>>,
    pub path_style: bool,
    /// Milliseconds each S3 request may take (a download: until its first
    /// byte, then between chunks); an upload part of up to 8 MiB is one request.
    pub timeout_ms: u64,
}

/// `P2P_INVITE_LIMIT_*`: invitations per hour (429 beyond).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InviteLimitConfig {
    pub per_organization_per_hour: u64,
    pub per_admin_per_hour: u64,
}

/// `P2P_WS_*`: WebSocket limits (`config::WebSocketSettings`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebSocketConfig {
    pub max_sockets_per_user: u64,
    pub subscribes_per_minute: u64,
    pub max_replay_events: u64,
}

/// `P2P_OTLP_*`: OpenTelemetry tracing export over OTLP/HTTP (`config::OtlpSettings`);
/// off unless an endpoint is set.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OtlpConfig {
    /// The collector's OTLP/HTTP traces URL (`http://collector:4318/v1/traces`).
    pub endpoint: Option<String>,
    /// The `service.name` of the exported spans.
    pub service_name: String,
    /// The share of new traces kept (0 to 1); a request that comes with a
    /// `traceparent` follows its caller's decision.
    pub sample_ratio: f64,
}

/// `P2P_REPLAY_*`: what the real-time replay log keeps.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReplayConfig {
    pub max_events: u64,
    pub retention_secs: u64,
    pub max_bytes: u64,
    pub max_channels: u64,
}

pub(super) const MIB: u64 = 1024 * 1024;

impl Default for Config {
    fn default() -> Self {
        Self {
            env: Environment::Development,
            host: "127.0.0.1".into(),
            port: 8000,
            data_dir: "./data".into(),
            public_url: None,
            cors_origins: String::new(),
            trusted_proxies: String::new(),
            jwt: JwtConfig::default(),
            access_token_ttl_secs: 900,
            refresh_token_ttl_secs: 30 * 86_400,
            run_migrations: true,
            run_event_outbox: true,
            event_outbox_retention_secs: 7 * 86_400,
            max_body_bytes: 1024 * 1024,
            log_format: None,
            shutdown_timeout_secs: 30,
            shutdown_drain_secs: 0,
            request_timeout_ms: None,
            unacked_timeout_secs: 60,
            workers: None,
            body: BodyConfig::default(),
            metrics: MetricsConfig::default(),
            database: DatabaseConfig::default(),
            mongodb: MongoConfig::default(),
            redis: RedisConfig::default(),
            s3: S3Config::default(),
            smtp_url: None,
            mail_from: "P2P Sandbox <no-reply@p2p-sandbox.local>".into(),
            notification_digest_secs: 300,
            notification_group_secs: 600,
            message_send_limit_per_minute: 60,
            invite_limit: InviteLimitConfig::default(),
            markdown_image_hosts: String::new(),
            fdi_signing_key_file: None,
            require_email_verification: false,
            ws: WebSocketConfig::default(),
            cache_max_bytes: 64 * MIB,
            rate_limit_max_keys: 100_000,
            replay: ReplayConfig::default(),
            search_queue_capacity: 10_000,
            otlp: OtlpConfig::default(),
        }
    }
}

impl Default for BodyConfig {
    fn default() -> Self {
        Self {
            read_timeout_secs: 30,
            min_bytes_per_sec: 1024,
        }
    }
}

impl Default for MongoConfig {
    fn default() -> Self {
        Self {
            url: None,
            db: "p2p".into(),
            timeout_ms: millis(MongoDeadline::DEFAULT_TIMEOUT),
            breaker_ms: millis(MongoDeadline::DEFAULT_BREAKER),
        }
    }
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self {
            url: None,
            prefix: "p2p:".into(),
            timeout_ms: millis(RedisTimeouts::DEFAULT.operation),
            breaker_ms: millis(RedisTimeouts::DEFAULT.breaker),
        }
    }
}

impl Default for S3Config {
    fn default() -> Self {
        Self {
            endpoint: None,
            bucket: None,
            region: "us-east-1".into(),
            access_key: None,
            secret_key: None,
            path_style: true,
            timeout_ms: 5000,
        }
    }
}

impl Default for InviteLimitConfig {
    fn default() -> Self {
        Self {
            per_organization_per_hour: 50,
            per_admin_per_hour: 20,
        }
    }
}

impl Default for WebSocketConfig {
    fn default() -> Self {
        Self {
            max_sockets_per_user: 20,
            subscribes_per_minute: 120,
            max_replay_events: 100,
        }
    }
}

impl Default for ReplayConfig {
    fn default() -> Self {
        Self {
            max_events: 256,
            retention_secs: 3600,
            max_bytes: 16 * MIB,
            max_channels: 100_000,
        }
    }
}

impl Default for OtlpConfig {
    fn default() -> Self {
        Self {
            endpoint: None,
            service_name: "p2p-server".into(),
            sample_ratio: 1.0,
        }
    }
}
