use super::s3::{raw_s3, s3_settings};
use super::transport::{body_read_settings, metrics_settings};
use super::{
    BodyReadSettings, ConfigError, MemoryBounds, MetricsSettings, RawConfig, Secret,
    WebSocketSettings,
};
use crate::http::proxies::TrustedProxies;
use std::path::{Path, PathBuf};
use std::time::Duration;
use url::Url;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    /// Generates a local JWT secret when none is configured; pretty logs.
    Development,
    /// Refuses to start without a JWT secret; JSON logs.
    Production,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    pub max_body_bytes: usize,
    pub log_format: LogFormat,
    pub shutdown_timeout: Duration,
    /// `TCP_USER_TIMEOUT` of accepted connections (see `RawConfig`).
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
    /// See [`RawConfig::require_email_verification`](super::RawConfig).
    pub require_email_verification: bool,
    pub websocket: WebSocketSettings,
    /// Ceilings of what the server keeps in memory.
    pub bounds: MemoryBounds,
}

const MIN_SECRET_BYTES: usize = 32;

pub(super) fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

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

impl Settings {
    pub fn from_raw(raw: RawConfig) -> Result<Self, ConfigError> {
        let websocket = WebSocketSettings::from_raw(&raw)?;
        let bounds = MemoryBounds::from_raw(&raw)?;
        let environment = match non_empty(raw.env).as_deref() {
            None | Some("development") | Some("dev") => Environment::Development,
            Some("production") | Some("prod") => Environment::Production,
            Some(_) => {
                return Err(ConfigError::new("env", "must be development or production"));
            }
        };
        let host = non_empty(raw.host).unwrap_or_else(|| "127.0.0.1".into());
        let port = raw.port.unwrap_or(8000);
        let data_dir = PathBuf::from(non_empty(raw.data_dir).unwrap_or_else(|| "./data".into()));

        let public_url_configured = raw
            .public_url
            .as_deref()
            .is_some_and(|u| !u.trim().is_empty());
        let public_url = match non_empty(raw.public_url) {
            Some(u) => parse_url("public_url", &u, &["http", "https"])?,
            None => default_public_url(&host, port)?,
        };

        let cors_origins = non_empty(raw.cors_origins)
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|origin| {
                        let url = parse_url("cors_origins", origin, &["http", "https"])?;
                        Ok(url.origin().ascii_serialization())
                    })
                    .collect::<Result<Vec<_>, ConfigError>>()
            })
            .transpose()?
            .unwrap_or_default();

        let trusted_proxies = TrustedProxies::parse(raw.trusted_proxies.as_deref().unwrap_or(""))
            .map_err(|e| ConfigError::new("trusted_proxies", e))?;

        let jwt_secret = match (non_empty(raw.jwt_secret), non_empty(raw.jwt_secret_file)) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::new(
                    "jwt_secret",
                    "set either P2P_JWT_SECRET or P2P_JWT_SECRET_FILE, not both",
                ));
            }
            (Some(secret), None) => Some(secret.into_bytes()),
            (None, Some(file)) => Some(
                std::fs::read(&file)
                    .map_err(|e| {
                        ConfigError::new("jwt_secret_file", format!("cannot read {file}: {e}"))
                    })?
                    .trim_ascii()
                    .to_vec(),
            ),
            (None, None) => None,
        };
        if let Some(secret) = &jwt_secret {
            if secret.len() < MIN_SECRET_BYTES {
                return Err(ConfigError::new(
                    "jwt_secret",
                    format!("must be at least {MIN_SECRET_BYTES} bytes"),
                ));
            }
        } else if environment == Environment::Production {
            return Err(ConfigError::new(
                "jwt_secret",
                "required in production (or set P2P_JWT_SECRET_FILE)",
            ));
        }

        let access_ttl = raw.access_token_ttl_secs.unwrap_or(900);
        if !(30..=86_400).contains(&access_ttl) {
            return Err(ConfigError::new(
                "access_token_ttl_secs",
                "must be between 30 and 86400 seconds",
            ));
        }
        let refresh_ttl = raw.refresh_token_ttl_secs.unwrap_or(30 * 86_400);
        if refresh_ttl <= access_ttl {
            return Err(ConfigError::new(
                "refresh_token_ttl_secs",
                "must be longer than the access token lifetime",
            ));
        }

        let log_format = match non_empty(raw.log_format).as_deref() {
            None => match environment {
                Environment::Development => LogFormat::Pretty,
                Environment::Production => LogFormat::Json,
            },
            Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(_) => return Err(ConfigError::new("log_format", "must be pretty or json")),
        };

        let max_body_bytes = raw.max_body_bytes.unwrap_or(1024 * 1024);
        if !(1024..=64 * 1024 * 1024).contains(&max_body_bytes) {
            return Err(ConfigError::new(
                "max_body_bytes",
                "must be between 1024 and 67108864",
            ));
        }
        if raw.workers == Some(0) {
            return Err(ConfigError::new("workers", "must be at least 1"));
        }
        let body_read = body_read_settings(raw.body_read_timeout_secs, raw.body_min_bytes_per_sec)?;
        let metrics = metrics_settings(non_empty(raw.metrics_addr), non_empty(raw.metrics_token))?;

        let database_url =
            non_empty(raw.database_url).unwrap_or_else(|| default_sqlite_url(&data_dir));
        let database_backend = if database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://")
        {
            DatabaseBackend::Postgres
        } else if database_url.starts_with("sqlite:") {
            DatabaseBackend::Sqlite
        } else {
            return Err(ConfigError::new(
                "database_url",
                "must start with postgres://, postgresql:// or sqlite:",
            ));
        };

        let mongo = non_empty(raw.mongodb_url)
            .map(|url| {
                parse_url("mongodb_url", &url, &["mongodb", "mongodb+srv"])?;
                let database = non_empty(raw.mongodb_db).unwrap_or_else(|| "p2p".into());
                if database.contains(['/', '\\', '.', ' ', '"', '$']) {
                    return Err(ConfigError::new("mongodb_db", "not a valid database name"));
                }
                Ok(MongoSettings {
                    url: Secret::new(url),
                    database,
                })
            })
            .transpose()?;

        let redis = non_empty(raw.redis_url)
            .map(|url| {
                parse_url("redis_url", &url, &["redis", "rediss"])?;
                Ok::<_, ConfigError>(RedisSettings {
                    url: Secret::new(url),
                    prefix: non_empty(raw.redis_prefix).unwrap_or_else(|| "p2p:".into()),
                })
            })
            .transpose()?;

        let s3 = s3_settings(
            &raw_s3(
                raw.s3_endpoint,
                raw.s3_bucket,
                raw.s3_region,
                raw.s3_access_key,
                raw.s3_secret_key,
            ),
            raw.s3_path_style,
        )?;

        let smtp = non_empty(raw.smtp_url)
            .map(|url| {
                parse_url("smtp_url", &url, &["smtp", "smtps"])?;
                Ok::<_, ConfigError>(SmtpSettings {
                    url: Secret::new(url),
                })
            })
            .transpose()?;

        let fdi_signing_key_file = match non_empty(raw.fdi_signing_key_file) {
            Some(file) => {
                let path = PathBuf::from(&file);
                if !path.is_file() {
                    return Err(ConfigError::new(
                        "fdi_signing_key_file",
                        format!("{file} is not a readable file"),
                    ));
                }
                path
            }
            None => data_dir.join("fdi-signing-key.pem"),
        };

        let mail_from = non_empty(raw.mail_from)
            .unwrap_or_else(|| "P2P Sandbox <no-reply@p2p-sandbox.local>".into());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::new("mail_from", "not a valid email address"));
        }

        let notification_digest_secs = raw.notification_digest_secs.unwrap_or(300);
        if !(1..=86_400).contains(&notification_digest_secs) {
            return Err(ConfigError::new(
                "notification_digest_secs",
                "must be between 1 and 86400",
            ));
        }
        let message_send_limit_per_minute = raw
            .message_send_limit_per_minute
            .unwrap_or(60)
            .try_into()
            .ok()
            .filter(|n| (1..=100_000).contains(n))
            .ok_or_else(|| {
                ConfigError::new(
                    "message_send_limit_per_minute",
                    "must be between 1 and 100000",
                )
            })?;
        let invite_limit_per_organization_per_hour = hourly_limit(
            "invite_limit_per_organization_per_hour",
            raw.invite_limit_per_organization_per_hour,
            50,
        )?;
        let invite_limit_per_admin_per_hour = hourly_limit(
            "invite_limit_per_admin_per_hour",
            raw.invite_limit_per_admin_per_hour,
            20,
        )?;
        Ok(Self {
            environment,
            host,
            port,
            data_dir,
            public_url,
            public_url_configured,
            markdown_image_hosts: super::markdown::image_hosts(
                raw.markdown_image_hosts.as_deref(),
            )?,
            cors_origins,
            trusted_proxies,
            jwt_secret: jwt_secret.map(Secret::new),
            access_token_ttl: Duration::from_secs(access_ttl),
            refresh_token_ttl: Duration::from_secs(refresh_ttl),
            run_migrations: raw.run_migrations.unwrap_or(true),
            max_body_bytes,
            log_format,
            shutdown_timeout: Duration::from_secs(raw.shutdown_timeout_secs.unwrap_or(30)),
            unacked_timeout: Duration::from_secs(raw.unacked_timeout_secs.unwrap_or(60).max(1)),
            workers: raw.workers,
            body_read,
            metrics,
            database_url: Secret::new(database_url),
            database_backend,
            mongo,
            redis,
            s3,
            smtp,
            mail_from,
            notification_digest: Duration::from_secs(notification_digest_secs),
            message_send_limit_per_minute,
            invite_limit_per_organization_per_hour,
            invite_limit_per_admin_per_hour,
            fdi_signing_key_file,
            require_email_verification: raw.require_email_verification.unwrap_or(false),
            websocket,
            bounds,
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

/// A per-hour limit between 1 and 100,000 (`default` when unset).
fn hourly_limit(field: &str, value: Option<u64>, default: u32) -> Result<u32, ConfigError> {
    let Some(value) = value else {
        return Ok(default);
    };
    u32::try_from(value)
        .ok()
        .filter(|n| (1..=100_000).contains(n))
        .ok_or_else(|| ConfigError::new(field, "must be between 1 and 100000"))
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

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let raw = RawConfig::load(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))?;
        Settings::from_raw(raw)
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
