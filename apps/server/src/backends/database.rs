//! The relational database: PostgreSQL or an SQLite file.

use super::retry::{ConnectError, RetryPolicy, with_retry};
use crate::config::{DatabaseBackend, Settings};
use async_trait::async_trait;
use p2p_kernel::ports::{HealthProbe, PortError};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use std::time::Duration;

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
        .connect_timeout(Duration::from_secs(3))
        .acquire_timeout(Duration::from_secs(3))
        .sqlx_logging(false);
    match settings.database_backend {
        DatabaseBackend::Postgres => {
            options.max_connections(20).min_connections(1);
        }
        DatabaseBackend::Sqlite => {
            options
                .max_connections(8)
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
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    match std::path::Path::new(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir),
        _ => Ok(()),
    }
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
