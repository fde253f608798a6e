//! Fresh databases per test: created, migrated, dropped.

use futures_util::FutureExt;
use mongodb::bson::doc;
use p2p_kernel::testenv;
use p2p_migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::Duration;

/// The backend a domain test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: a SQLite file.
    Sqlite,
    /// The full stack: PostgreSQL, and MongoDB for suites whose documents live there.
    Full,
}

/// Which implementation of a document store a contract test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    SqlOnSqlite,
    SqlOnPostgres,
    /// The MongoDB store (beside a PostgreSQL database for what stays relational).
    Mongo,
}

/// A test's own databases. `sql` is migrated; `mongo` is there when asked for.
pub struct Databases {
    pub sql: DatabaseConnection,
    pub mongo: Option<mongodb::Database>,
    relational: Relational,
}

enum Relational {
    File(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Databases {
    /// Fresh databases for `backend`; `documents` adds a MongoDB database on the full stack.
    pub async fn open(backend: Backend, documents: bool) -> Self {
        match backend {
            Backend::Sqlite => Self::create(false, false).await,
            Backend::Full => Self::create(true, documents).await,
        }
    }

    /// Fresh databases for a store contract test.
    pub async fn for_store(kind: StoreKind) -> Self {
        match kind {
            StoreKind::SqlOnSqlite => Self::create(false, false).await,
            StoreKind::SqlOnPostgres => Self::create(true, false).await,
            StoreKind::Mongo => Self::create(true, true).await,
        }
    }

    async fn create(postgres: bool, documents: bool) -> Self {
        // MongoDB first: a missing service must not leave a database behind.
        let mongo = match documents {
            true => Some(open_mongo().await),
            false => None,
        };
        let (sql, relational) = match postgres {
            true => open_postgres().await,
            false => open_sqlite().await,
        };
        let databases = Self {
            sql,
            mongo,
            relational,
        };
        if let Err(e) = Migrator::up(&databases.sql, None).await {
            databases.close().await;
            panic!("migration failed: {e}");
        }
        databases
    }

    /// Closes the connections and drops the databases (or removes the SQLite files).
    pub async fn close(self) {
        let _ = self.sql.close().await;
        if let Some(mongo) = self.mongo {
            let _ = mongo.drop().await;
        }
        match self.relational {
            Relational::File(path) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    let _ = std::fs::remove_file(file);
                }
            }
            Relational::Postgres { admin_url, name } => {
                if let Ok(admin) = connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            }
        }
    }
}

/// Runs `test` with `databases` and drops them afterwards, even when it panics (the
/// panic is then resumed, so the test still fails with its own message).
pub async fn run<F, Fut>(databases: Databases, test: F)
where
    F: FnOnce(DatabaseConnection, Option<mongodb::Database>) -> Fut,
    Fut: Future<Output = ()>,
{
    let outcome = AssertUnwindSafe(test(databases.sql.clone(), databases.mongo.clone()))
        .catch_unwind()
        .await;
    databases.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

fn unique_name() -> String {
    format!("p2p_t_{}", uuid::Uuid::new_v4().simple())
}

async fn open_sqlite() -> (DatabaseConnection, Relational) {
    let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let mut options = ConnectOptions::new(url.clone());
    options
        .max_connections(5)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o: SqliteConnectOptions| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
        });
    let db = Database::connect(options)
        .await
        .unwrap_or_else(|e| panic!("sqlite {url}: {e}"));
    (db, Relational::File(path))
}

async fn connect(url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.max_connections(5).sqlx_logging(false);
    Database::connect(options).await
}

/// The admin URL with its database name replaced by `name`.
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

async fn open_postgres() -> (DatabaseConnection, Relational) {
    let admin_url = testenv::postgres_admin_url();
    let admin = connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("{}", testenv::missing("PostgreSQL", &admin_url, e)));
    let name = unique_name();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap_or_else(|e| panic!("{}", testenv::missing("PostgreSQL", &admin_url, e)));
    let _ = admin.close().await;
    let url = database_url(&admin_url, &name);
    let db = connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{}", testenv::missing("PostgreSQL", &url, e)));
    (db, Relational::Postgres { admin_url, name })
}

async fn open_mongo() -> mongodb::Database {
    let url = testenv::mongodb_url();
    let mut options = mongodb::options::ClientOptions::parse(&url)
        .await
        .unwrap_or_else(|e| panic!("{}", testenv::missing("MongoDB", &url, e)));
    options.server_selection_timeout = Some(Duration::from_secs(3));
    options.connect_timeout = Some(Duration::from_secs(3));
    let client = mongodb::Client::with_options(options)
        .unwrap_or_else(|e| panic!("{}", testenv::missing("MongoDB", &url, e)));
    let db = client.database(&unique_name());
    db.run_command(doc! { "ping": 1 })
        .await
        .unwrap_or_else(|e| panic!("{}", testenv::missing("MongoDB", &url, e)));
    db
}

/// Rolls `db`'s migrations back to just before the migration `name` (a test
/// of that migration then runs it over data the earlier schema holds).
///
/// # Panics
/// When no migration has that name, or rolling back fails.
pub async fn migrate_back_before(db: &DatabaseConnection, name: &str) {
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let position = names
        .iter()
        .position(|n| n == name)
        .unwrap_or_else(|| panic!("no migration named {name}"));
    let later = u32::try_from(names.len() - position).unwrap_or(u32::MAX);
    if let Err(e) = Migrator::down(db, Some(later)).await {
        panic!("rolling back to before {name}: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::database_url;

    #[test]
    fn replaces_the_database_name_and_keeps_the_query() {
        assert_eq!(
            database_url("postgres://u@h:5432/postgres?sslmode=disable", "t1"),
            "postgres://u@h:5432/t1?sslmode=disable"
        );
        assert_eq!(
            database_url("postgres://u@h:5432", "t1"),
            "postgres://u@h:5432/t1"
        );
    }
}
