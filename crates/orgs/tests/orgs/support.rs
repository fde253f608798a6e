//! A fresh, migrated database per test, from the shared harness (`p2p-testkit`).

use p2p_testkit::{Backend, Databases};
use sea_orm::DatabaseConnection;
use std::future::Future;

/// Runs `test` on a fresh migrated database of `backend` and removes it afterwards.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()>,
{
    let databases = Databases::open(backend, false).await;
    p2p_testkit::run(databases, |db, _| test(db)).await;
}
