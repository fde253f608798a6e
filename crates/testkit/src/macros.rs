//! One test per backend from one `async fn`.
//!
//! The suite's `support` module (at the root of its test binary) provides the runner:
//! `support::run(Backend, test)` for [`on_both!`], `support::run_store(StoreKind, test)`
//! for [`every_store!`]. `crate::` in the expansion is the calling test binary.

/// Runs each `async fn` as two tests: `sqlite` (the embedded default) and `full`
/// (PostgreSQL, with MongoDB where the suite's runner asks for it).
// `crate::support` is the calling suite's runner, on purpose.
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! on_both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                crate::support::run($crate::Backend::Sqlite, super::$name).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn full() {
                crate::support::run($crate::Backend::Full, super::$name).await;
            }
        }
    )+};
}

/// Runs each store contract `async fn` against every implementation of a document store:
/// the relational one on SQLite and on PostgreSQL, and the MongoDB one.
// `crate::support` is the calling suite's runner, on purpose.
#[allow(clippy::crate_in_macro_def)]
#[macro_export]
macro_rules! every_store {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sql_on_sqlite() {
                crate::support::run_store($crate::StoreKind::SqlOnSqlite, super::$name).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sql_on_postgres() {
                crate::support::run_store($crate::StoreKind::SqlOnPostgres, super::$name).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mongo() {
                crate::support::run_store($crate::StoreKind::Mongo, super::$name).await;
            }
        }
    )+};
}
