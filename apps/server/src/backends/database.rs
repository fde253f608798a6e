//! The relational database: PostgreSQL or an SQLite file.

use super::retry::{ConnectError, RetryPolicy, with_retry};
use crate::config::{DATABASE_ACQUIRE, DatabaseBackend, Settings};
use async_trait::async_trait;
use p2p_kernel::footprint::{Footprint, Size};
use p2p_kernel::ports::{HealthProbe, PortError};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use std::time::Duration;

/// How long a pooled connection may sit idle before it is pinged on checkout.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

pub async fn connect(
    settings: &Settings,
    retry: RetryPolicy,
) -> Result<DatabaseConnection, ConnectError> {
    let url = settings.database_url.expose().clone();
    if settings.database_backend == DatabaseBackend::Sqlite {
        ensure_sqlite_dir(&url).map_err(|e| ConnectError {
            backend: "database",
            attempts: 1,
            last_error: e.to_string(),
        })?;
    }
    let mut options = ConnectOptions::new(url);
    options
        .connect_timeout(DATABASE_ACQUIRE)
        .acquire_timeout(DATABASE_ACQUIRE)
        // Connections are recycled: what one gathers (statement caches, page
        // caches, allocator arenas of its thread) is given back.
        .idle_timeout(Duration::from_secs(10 * 60))
        .max_lifetime(Duration::from_secs(30 * 60))
        // A connection is pinged before it is handed out only when it sat
        // idle (where a restarted server or a proxy may have dropped it), not
        // on every checkout: that ping was one more round trip per statement,
        // which doubled PostgreSQL's exchanges (docs/benchmarks.md, the topic
        // list). One that died in use answers its statement with an I/O
        // error: 503, and the pool drops it.
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING)
        .sqlx_logging(false);
    let max = settings.bounds.database_max_connections;
    match settings.database_backend {
        DatabaseBackend::Postgres => {
            options
                .max_connections(max.unwrap_or(20))
                .min_connections(1);
        }
        DatabaseBackend::Sqlite => {
            options
                .max_connections(max.unwrap_or(8))
                .min_connections(1)
                .map_sqlx_sqlite_opts(|o| {
                    o.journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                        .busy_timeout(Duration::from_secs(10))
                        .foreign_keys(true)
                });
        }
    }
    with_retry("database", retry, || Database::connect(options.clone())).await
}

/// Creates the directory of an SQLite database file (`sqlite://dir/file.db?...`).
fn ensure_sqlite_dir(url: &str) -> std::io::Result<()> {
    match sqlite_file(url)
        .as_deref()
        .and_then(std::path::Path::parent)
    {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir),
        _ => Ok(()),
    }
}

/// The file of an SQLite URL (`sqlite://dir/file.db?...`); `None` for an
/// in-memory database.
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.into())
}

/// Readiness of the relational database.
pub struct DatabaseProbe(pub DatabaseConnection);

#[async_trait]
impl HealthProbe for DatabaseProbe {
    fn name(&self) -> &'static str {
        "database"
    }

    async fn check(&self) -> Result<(), PortError> {
        self.0
            .ping()
            .await
            .map_err(|e| PortError::new("database", e))
    }
}

/// The connection pool's size, as gauges.
pub struct PoolFootprint(pub DatabaseConnection);

impl Footprint for PoolFootprint {
    fn footprint(&self) -> Vec<Size> {
        let (size, idle) = match self.0.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                let pool = self.0.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            sea_orm::DbBackend::Sqlite => {
                let pool = self.0.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => return Vec::new(),
        };
        vec![
            Size::new("db_pool_connections", size),
            Size::count("db_pool_idle_connections", idle),
        ]
    }
}
