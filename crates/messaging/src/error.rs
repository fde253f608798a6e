//! Backend errors as [`DomainError`]s: an unreachable database is a 503,
//! anything else a 500 whose cause goes to the logs only.

use p2p_kernel::DomainError;
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};

pub(crate) fn db_err(e: DbErr) -> DomainError {
    p2p_kernel::error::db_error(e)
}

pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> DomainError {
    DomainError::internal(std::io::Error::other(format!(
        "stored {what} is not readable: {detail}"
    )))
}

/// A write transaction (SQLite takes its write lock at once, so two writers
/// never deadlock upgrading a read lock).
pub(crate) async fn begin_write(
    db: &DatabaseConnection,
) -> Result<DatabaseTransaction, DomainError> {
    let txn = if db.get_database_backend() == DbBackend::Sqlite {
        db.begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
    } else {
        db.begin().await
    };
    txn.map_err(db_err)
}
