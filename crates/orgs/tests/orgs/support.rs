//! A fresh, migrated database per test (SQLite file or PostgreSQL database).

use futures_util::FutureExt;
use p2p_kernel::testenv;
use p2p_migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use std::future::Future;
use std::panic::AssertUnwindSafe;

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

async fn connect(url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.max_connections(3).sqlx_logging(false);
    Database::connect(options).await
}

fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let prefix = match base.rsplit_once('/') {
        Some((p, _)) if p.contains("//") && !p.ends_with('/') => p.to_owned(),
        _ => base.trim_end_matches('/').to_owned(),
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

/// Runs `test` on a fresh migrated database and removes it afterwards.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()>,
{
    let (db, cleanup): (DatabaseConnection, Box<dyn FnOnce() -> String>) = match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!(
                "p2p-orgs-test-{}.db",
                uuid::Uuid::new_v4().simple()
            ));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            let db = connect(&url)
                .await
                .unwrap_or_else(|e| panic!("sqlite {url}: {e}"));
            (db, Box::new(move || path.display().to_string()))
        }
        Backend::Postgres => {
            let admin_url = testenv::postgres_admin_url();
            let admin = connect(&admin_url)
                .await
                .unwrap_or_else(|e| panic!("{}", testenv::missing("PostgreSQL", &admin_url, e)));
            let name = format!("p2p_test_{}", uuid::Uuid::new_v4().simple());
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap_or_else(|e| panic!("{}", testenv::missing("PostgreSQL", &admin_url, e)));
            let _ = admin.close().await;
            let url = database_url(&admin_url, &name);
            let db = connect(&url)
                .await
                .unwrap_or_else(|e| panic!("{}", testenv::missing("PostgreSQL", &url, e)));
            (db, Box::new(move || name))
        }
    };
    let outcome = match Migrator::up(&db, None).await {
        Ok(()) => AssertUnwindSafe(test(db.clone())).catch_unwind().await,
        Err(e) => Err(Box::new(format!("migration failed: {e}")) as Box<dyn std::any::Any + Send>),
    };
    let _ = db.close().await;
    let target = cleanup();
    match backend {
        Backend::Sqlite => {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let _ = std::fs::remove_file(format!("{target}{suffix}"));
            }
        }
        Backend::Postgres => {
            if let Ok(admin) = connect(&testenv::postgres_admin_url()).await {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {target} WITH (FORCE)"))
                    .await;
                let _ = admin.close().await;
            }
        }
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Runs an `async fn(DatabaseConnection)` as two tests: `sqlite` and `postgres`.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                $crate::support::run($crate::support::Backend::Sqlite, super::$name).await;
            }
            #[tokio::test]
            async fn postgres() {
                $crate::support::run($crate::support::Backend::Postgres, super::$name).await;
            }
        }
    )+};
}
