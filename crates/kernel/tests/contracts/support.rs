use p2p_kernel::adapters::redis::RedisConnection;
use p2p_kernel::testenv;

/// A Redis connection under a fresh key prefix; fails the test if Redis is down.
pub async fn redis() -> RedisConnection {
    let url = testenv::redis_url();
    let prefix = format!("p2p-test:{}:", uuid::Uuid::new_v4().simple());
    let conn = RedisConnection::new(&url, &prefix, 4)
        .unwrap_or_else(|e| panic!("{}", testenv::missing("Redis", &url, e)));
    if let Err(e) = conn.ping().await {
        panic!("{}", testenv::missing("Redis", &url, e));
    }
    conn
}

/// A fresh, migrated SQLite database in a directory of its own under the
/// temporary directory (remove the directory when done).
pub async fn sqlite(name: &str) -> (sea_orm::DatabaseConnection, std::path::PathBuf) {
    use p2p_migration::{Migrator, MigratorTrait};
    let dir = std::env::temp_dir().join(format!("p2p-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite://{}/{name}.db?mode=rwc", dir.display());
    let db = sea_orm::Database::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    Migrator::up(&db, None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (db, dir)
}
