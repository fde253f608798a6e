use super::s3::s3_settings;
use super::transport::{body_read_settings, metrics_settings};
use super::{
    BackendDeadlines, BodyReadSettings, Config, ConfigError, MemoryBounds, MetricsSettings,
    OtlpSettings, Secret, WebSocketSettings,
};
use crate::http::proxies::TrustedProxies;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// Generates a local JWT secret when none is configured; pretty logs.
    #[serde(alias = "dev")]
    Development,
    /// Refuses to start without a JWT secret; JSON logs.
    #[serde(alias = "prod")]
    Production,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatabaseBackend {
    Postgres,
    Sqlite,
}

#[derive(Clone, Debug)]
pub struct MongoSettings {
    pub url: Secret<String>,
    pub database: String,
}

#[derive(Clone, Debug)]
pub struct RedisSettings {
    pub url: Secret<String>,
    pub prefix: String,
}

#[derive(Clone, Debug)]
pub struct S3Settings {
    pub endpoint: Url,
    pub bucket: String,
    pub region: String,
    pub access_key: String,
    pub secret_key: Secret<String>,
    pub path_style: bool,
}

#[derive(Clone, Debug)]
pub struct SmtpSettings {
    pub url: Secret<String>,
}

/// Validated settings the application is built from.
#[derive(Clone, Debug)]
pub struct Settings {
    pub environment: Environment,
    pub host: String,
    pub port: u16,
    pub data_dir: PathBuf,
    pub public_url: Url,
    /// False when `public_url` was derived from host and port (it then follows
    /// the port actually bound, see [`Settings::bound_to`]).
    pub public_url_configured: bool,
    pub cors_origins: Vec<String>,
    /// Reverse proxies whose `X-Forwarded-For` gives the client's address.
    pub trusted_proxies: TrustedProxies,
    /// `None` in development until [`Settings::resolve_jwt_secret`] generates one.
    pub jwt_secret: Option<Secret<Vec<u8>>>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub run_migrations: bool,
    pub run_event_outbox: bool,
    /// See [`Config::event_outbox_retention_secs`].
    pub event_outbox_retention: Duration,
    pub max_body_bytes: usize,
    pub log_format: LogFormat,
    pub shutdown_timeout: Duration,
    /// See [`Config::shutdown_drain_secs`].
    pub shutdown_drain: Duration,
    /// `TCP_USER_TIMEOUT` of accepted connections (see `Config::unacked_timeout_secs`).
    pub unacked_timeout: Duration,
    pub workers: Option<usize>,
    /// Deadlines of request bodies (`P2P_BODY_READ_TIMEOUT_SECS`, `P2P_BODY_MIN_BYTES_PER_SEC`).
    pub body_read: BodyReadSettings,
    /// Where and to whom `/metrics` is served (`P2P_METRICS_ADDR`, `P2P_METRICS_TOKEN`).
    pub metrics: MetricsSettings,
    pub database_url: Secret<String>,
    pub database_backend: DatabaseBackend,
    pub mongo: Option<MongoSettings>,
    pub redis: Option<RedisSettings>,
    pub s3: Option<S3Settings>,
    pub smtp: Option<SmtpSettings>,
    pub mail_from: String,
    /// How long notifications wait to be emailed together in one digest.
    pub notification_digest: Duration,
    /// How long after a topic's first reply the next ones join its notification.
    pub notification_group: Duration,
    /// Private messages one user may send per minute.
    pub message_send_limit_per_minute: u32,
    /// Invitations one organization may send per hour.
    pub invite_limit_per_organization_per_hour: u32,
    /// Invitations one admin may send per hour.
    pub invite_limit_per_admin_per_hour: u32,
    /// Hosts whose images Markdown shows besides this server's files.
    pub markdown_image_hosts: Vec<String>,
    /// The FDI's RS256 key file (generated when missing unless configured).
    pub fdi_signing_key_file: PathBuf,
    /// See [`Config::require_email_verification`].
    pub require_email_verification: bool,
    pub websocket: WebSocketSettings,
    /// Ceilings of what the server keeps in memory.
    pub bounds: MemoryBounds,
    /// How long each networked backend may take.
    pub deadlines: BackendDeadlines,
    /// Where traces are exported (`P2P_OTLP_*`); `None`: no export.
    pub otlp: Option<OtlpSettings>,
}

const MIN_SECRET_BYTES: usize = 32;

pub(super) fn parse_url(field: &str, value: &str, schemes: &[&str]) -> Result<Url, ConfigError> {
    let url = Url::parse(value).map_err(|e| ConfigError::new(field, format!("not a URL: {e}")))?;
    if !schemes.contains(&url.scheme()) {
        return Err(ConfigError::new(
            field,
            format!("scheme must be one of {}", schemes.join(", ")),
        ));
    }
    Ok(url)
}

/// The non-blank items of a comma-separated list.
fn items(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty())
}

impl Settings {
    /// Checks `config` and derives what depends on other keys; every error
    /// names the key.
    pub fn from_config(config: Config) -> Result<Self, ConfigError> {
        let websocket = WebSocketSettings::from_config(&config.ws)?;
        let bounds = MemoryBounds::from_config(&config)?;
        let deadlines = BackendDeadlines::from_config(&config)?;
        let otlp = OtlpSettings::from_config(&config.otlp)?;
        let environment = config.env;
        let public_url = match &config.public_url {
            Some(u) => parse_url("public_url", u, &["http", "https"])?,
            None => default_public_url(&config.host, config.port)?,
        };
        let cors_origins = items(&config.cors_origins)
            .map(|origin| {
                let url = parse_url("cors_origins", origin, &["http", "https"])?;
                Ok(url.origin().ascii_serialization())
            })
            .collect::<Result<Vec<_>, ConfigError>>()?;
        let trusted_proxies = TrustedProxies::parse(&config.trusted_proxies)
            .map_err(|e| ConfigError::new("trusted_proxies", e))?;
        let jwt_secret = jwt_secret(&config)?;

        let access_ttl = config.access_token_ttl_secs;
        if !(30..=86_400).contains(&access_ttl) {
            return Err(ConfigError::new(
                "access_token_ttl_secs",
                "must be between 30 and 86400 seconds",
            ));
        }
        let refresh_ttl = config.refresh_token_ttl_secs;
        if refresh_ttl <= access_ttl {
            return Err(ConfigError::new(
                "refresh_token_ttl_secs",
                "must be longer than the access token lifetime",
            ));
        }
        let log_format = config.log_format.unwrap_or(match environment {
            Environment::Development => LogFormat::Pretty,
            Environment::Production => LogFormat::Json,
        });
        if !(1024..=64 * 1024 * 1024).contains(&config.max_body_bytes) {
            return Err(ConfigError::new(
                "max_body_bytes",
                "must be between 1024 and 67108864",
            ));
        }
        if config.workers == Some(0) {
            return Err(ConfigError::new("workers", "must be at least 1"));
        }
        let body_read = body_read_settings(&config.body)?;
        let metrics = metrics_settings(&config.metrics)?;

        let database_url = match &config.database.url {
            Some(url) => url.expose().clone(),
            None => default_sqlite_url(&config.data_dir),
        };
        let database_backend = database_backend(&database_url)?;
        let mongo = config
            .mongodb
            .url
            .as_ref()
            .map(|url| {
                parse_url("mongodb_url", url.expose(), &["mongodb", "mongodb+srv"])?;
                let database = config.mongodb.db.clone();
                if database.contains(['/', '\\', '.', ' ', '"', '$']) {
                    return Err(ConfigError::new("mongodb_db", "not a valid database name"));
                }
                Ok(MongoSettings {
                    url: url.clone(),
                    database,
                })
            })
            .transpose()?;
        let redis = config
            .redis
            .url
            .as_ref()
            .map(|url| {
                parse_url("redis_url", url.expose(), &["redis", "rediss"])?;
                Ok::<_, ConfigError>(RedisSettings {
                    url: url.clone(),
                    prefix: config.redis.prefix.clone(),
                })
            })
            .transpose()?;
        let s3 = s3_settings(&config.s3)?;
        let smtp = config
            .smtp_url
            .as_ref()
            .map(|url| {
                parse_url("smtp_url", url.expose(), &["smtp", "smtps"])?;
                Ok::<_, ConfigError>(SmtpSettings { url: url.clone() })
            })
            .transpose()?;

        let fdi_signing_key_file = match &config.fdi_signing_key_file {
            Some(path) if !path.is_file() => {
                return Err(ConfigError::new(
                    "fdi_signing_key_file",
                    format!("{} is not a readable file", path.display()),
                ));
            }
            Some(path) => path.clone(),
            None => config.data_dir.join("fdi-signing-key.pem"),
        };
        if config
            .mail_from
            .parse::<lettre::message::Mailbox>()
            .is_err()
        {
            return Err(ConfigError::new("mail_from", "not a valid email address"));
        }
        let retention = config.event_outbox_retention_secs;
        if !(3600..=366 * 86_400).contains(&retention) {
            return Err(ConfigError::new(
                "event_outbox_retention_secs",
                "must be between 3600 and 31622400",
            ));
        }
        let notification_digest_secs = config.notification_digest_secs;
        if !(1..=86_400).contains(&notification_digest_secs) {
            return Err(ConfigError::new(
                "notification_digest_secs",
                "must be between 1 and 86400",
            ));
        }
        if config.notification_group_secs > 86_400 {
            return Err(ConfigError::new(
                "notification_group_secs",
                "must be between 0 and 86400",
            ));
        }
        let invites = &config.invite_limit;
        Ok(Self {
            environment,
            public_url,
            public_url_configured: config.public_url.is_some(),
            markdown_image_hosts: super::markdown::image_hosts(&config.markdown_image_hosts)?,
            cors_origins,
            trusted_proxies,
            jwt_secret: jwt_secret.map(Secret::new),
            access_token_ttl: Duration::from_secs(access_ttl),
            refresh_token_ttl: Duration::from_secs(refresh_ttl),
            run_migrations: config.run_migrations,
            run_event_outbox: config.run_event_outbox,
            event_outbox_retention: Duration::from_secs(retention),
            max_body_bytes: config.max_body_bytes,
            log_format,
            shutdown_timeout: Duration::from_secs(config.shutdown_timeout_secs),
            shutdown_drain: Duration::from_secs(config.shutdown_drain_secs),
            unacked_timeout: Duration::from_secs(config.unacked_timeout_secs.max(1)),
            workers: config.workers,
            body_read,
            metrics,
            database_url: Secret::new(database_url),
            database_backend,
            mongo,
            redis,
            s3,
            smtp,
            notification_digest: Duration::from_secs(notification_digest_secs),
            notification_group: Duration::from_secs(config.notification_group_secs),
            message_send_limit_per_minute: limit(
                "message_send_limit_per_minute",
                config.message_send_limit_per_minute,
            )?,
            invite_limit_per_organization_per_hour: limit(
                "invite_limit_per_organization_per_hour",
                invites.per_organization_per_hour,
            )?,
            invite_limit_per_admin_per_hour: limit(
                "invite_limit_per_admin_per_hour",
                invites.per_admin_per_hour,
            )?,
            fdi_signing_key_file,
            require_email_verification: config.require_email_verification,
            websocket,
            bounds,
            deadlines,
            otlp,
            mail_from: config.mail_from,
            host: config.host,
            port: config.port,
            data_dir: config.data_dir,
        })
    }

    /// The JWT signing secret: the configured one, or in development a random
    /// one kept in `<data_dir>/jwt-secret` so sessions survive restarts.
    pub fn resolve_jwt_secret(&mut self) -> std::io::Result<Secret<Vec<u8>>> {
        if let Some(secret) = &self.jwt_secret {
            return Ok(secret.clone());
        }
        let path = self.data_dir.join("jwt-secret");
        let secret = match std::fs::read(&path) {
            Ok(bytes) if bytes.len() >= MIN_SECRET_BYTES => bytes,
            _ => {
                use base64::Engine;
                let mut bytes = [0u8; 48];
                rand::fill(&mut bytes);
                let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(bytes)
                    .into_bytes();
                std::fs::create_dir_all(&self.data_dir)?;
                write_private(&path, &encoded)?;
                tracing::warn!(path = %path.display(), "development mode: generated a local JWT secret");
                encoded
            }
        };
        let secret = Secret::new(secret);
        self.jwt_secret = Some(secret.clone());
        Ok(secret)
    }

    /// Records the port actually bound (port 0 picks a free one).
    pub fn bound_to(&mut self, port: u16) {
        self.port = port;
        if !self.public_url_configured
            && let Ok(url) = default_public_url(&self.host, port)
        {
            self.public_url = url;
        }
    }

    /// Cookies carry `Secure` in production and whenever the public URL is https.
    pub fn secure_cookies(&self) -> bool {
        self.environment == Environment::Production || self.public_url.scheme() == "https"
    }

    pub fn bind_address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// A rate limit between 1 and 100,000.
fn limit(field: &str, value: u64) -> Result<u32, ConfigError> {
    u32::try_from(value)
        .ok()
        .filter(|n| (1..=100_000).contains(n))
        .ok_or_else(|| ConfigError::new(field, "must be between 1 and 100000"))
}

/// `P2P_JWT_SECRET` or the contents of `P2P_JWT_SECRET_FILE`, at least 32
/// bytes; required in production.
fn jwt_secret(config: &Config) -> Result<Option<Vec<u8>>, ConfigError> {
    let secret = match (&config.jwt.secret, &config.jwt.secret_file) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::new(
                "jwt_secret",
                "set either P2P_JWT_SECRET or P2P_JWT_SECRET_FILE, not both",
            ));
        }
        (Some(secret), None) => Some(secret.expose().clone().into_bytes()),
        (None, Some(file)) => Some(
            std::fs::read(file)
                .map_err(|e| {
                    let file = file.display();
                    ConfigError::new("jwt_secret_file", format!("cannot read {file}: {e}"))
                })?
                .trim_ascii()
                .to_vec(),
        ),
        (None, None) => None,
    };
    match &secret {
        Some(secret) if secret.len() < MIN_SECRET_BYTES => Err(ConfigError::new(
            "jwt_secret",
            format!("must be at least {MIN_SECRET_BYTES} bytes"),
        )),
        None if config.env == Environment::Production => Err(ConfigError::new(
            "jwt_secret",
            "required in production (or set P2P_JWT_SECRET_FILE)",
        )),
        _ => Ok(secret),
    }
}

fn database_backend(url: &str) -> Result<DatabaseBackend, ConfigError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(DatabaseBackend::Postgres)
    } else if url.starts_with("sqlite:") {
        Ok(DatabaseBackend::Sqlite)
    } else {
        Err(ConfigError::new(
            "database_url",
            "must start with postgres://, postgresql:// or sqlite:",
        ))
    }
}

fn default_public_url(host: &str, port: u16) -> Result<Url, ConfigError> {
    let shown_host = if host == "0.0.0.0" { "localhost" } else { host };
    parse_url(
        "public_url",
        &format!("http://{shown_host}:{port}"),
        &["http"],
    )
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(bytes)
}

fn default_sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}/p2p.db?mode=rwc", data_dir.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::result_large_err)] // figment's error type, in a test
    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let mut result = None;
        figment::Jail::expect_with(|jail| {
            jail.clear_env();
            for (key, value) in vars {
                jail.set_env(key, value);
            }
            result = Some(super::super::load());
            Ok(())
        });
        result.unwrap_or_else(|| Err(ConfigError::new("env", "not loaded")))
    }

    #[test]
    fn embedded_defaults() {
        let s = settings(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.bind_address(), "127.0.0.1:8000");
        assert_eq!(s.database_backend, DatabaseBackend::Sqlite);
        assert!(s.mongo.is_none() && s.redis.is_none() && s.s3.is_none() && s.smtp.is_none());
        assert_eq!(s.environment, Environment::Development);
    }

    #[test]
    fn trusted_proxies_must_be_addresses_or_networks() {
        let none = settings(&[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(none.trusted_proxies.is_empty());
        let ok = settings(&[("P2P_TRUSTED_PROXIES", "10.0.0.0/8, ::1")])
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!ok.trusted_proxies.is_empty());
        let err = settings(&[("P2P_TRUSTED_PROXIES", "10.0.0.0/8, lb.internal")]).err();
        assert_eq!(err.map(|e| e.key), Some("P2P_TRUSTED_PROXIES".to_string()));
    }

    #[test]
    fn production_requires_a_secret() {
        let err = settings(&[("P2P_ENV", "production")]).err();
        assert_eq!(err.map(|e| e.key), Some("P2P_JWT_SECRET".to_string()));
        let short = settings(&[("P2P_ENV", "production"), ("P2P_JWT_SECRET", "short")]).err();
        assert_eq!(short.map(|e| e.key), Some("P2P_JWT_SECRET".to_string()));
        let ok = settings(&[
            ("P2P_ENV", "production"),
            ("P2P_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
        ]);
        assert!(ok.is_ok());
    }

    #[test]
    fn bad_values_name_their_key() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
            (&[("REDIS_URL", "http://x")], "REDIS_URL"),
            (&[("S3_ENDPOINT", "http://127.0.0.1:9000")], "S3_BUCKET"),
            (&[("SMTP_URL", "not a url")], "SMTP_URL"),
            (&[("MAIL_FROM", "nobody")], "MAIL_FROM"),
            (&[("P2P_CORS_ORIGINS", "ftp://x")], "P2P_CORS_ORIGINS"),
            (
                &[("P2P_ACCESS_TOKEN_TTL_SECS", "5")],
                "P2P_ACCESS_TOKEN_TTL_SECS",
            ),
            (&[("P2P_LOG_FORMAT", "xml")], "P2P_LOG_FORMAT"),
        ];
        for (vars, key) in cases {
            let err = settings(vars).err();
            assert_eq!(err.map(|e| e.key), Some(key.to_string()), "{vars:?}");
        }
    }

    #[test]
    fn full_stack_settings() {
        let s = settings(&[
            ("DATABASE_URL", "postgres://postgres@127.0.0.1/p2p"),
            ("MONGODB_URL", "mongodb://127.0.0.1:27017"),
            ("REDIS_URL", "redis://127.0.0.1:6379"),
            ("S3_ENDPOINT", "http://127.0.0.1:9000"),
            ("S3_BUCKET", "p2p-files"),
            ("S3_ACCESS_KEY", "k"),
            ("S3_SECRET_KEY", "s"),
            ("SMTP_URL", "smtp://127.0.0.1:1025"),
            (
                "P2P_CORS_ORIGINS",
                "http://localhost:3000/, https://app.example.sa",
            ),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.database_backend, DatabaseBackend::Postgres);
        assert_eq!(s.mongo.as_ref().map(|m| m.database.as_str()), Some("p2p"));
        assert_eq!(
            s.cors_origins,
            vec!["http://localhost:3000", "https://app.example.sa"]
        );
        assert!(format!("{s:?}").contains("[redacted]"));
        assert!(!format!("{s:?}").contains("mongodb://"));
    }
}
