//! Backend errors as [`DomainError`]s, and write transactions.

use crate::error::DomainError;
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, RuntimeErr, SqlErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// Maps a relational database error: a lost or exhausted connection (pool
/// timeout, I/O, TLS, protocol failure, or the server ending or refusing the
/// session: see [`server_went_away`]) is `unavailable` (503, retryable);
/// anything else is `internal`.
pub fn db_error(e: DbErr) -> DomainError {
    let connection_lost = match &e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => {
            matches!(
                s.as_ref(),
                sea_orm::sqlx::Error::Io(_)
                    | sea_orm::sqlx::Error::PoolTimedOut
                    | sea_orm::sqlx::Error::PoolClosed
                    | sea_orm::sqlx::Error::Tls(_)
                    | sea_orm::sqlx::Error::Protocol(_)
                    | sea_orm::sqlx::Error::WorkerCrashed
            ) || matches!(
                s.as_ref(),
                sea_orm::sqlx::Error::Database(db) if db.code().is_some_and(|c| server_went_away(&c))
            )
        }
        _ => false,
    };
    if connection_lost {
        DomainError::unavailable("database", e)
    } else {
        DomainError::internal(e)
    }
}

/// SQLSTATEs that say the server ended or refused the session rather than the statement
/// failing: a connection exception (class 08), a shutdown or restart (57P01 admin_shutdown,
/// 57P02 crash_shutdown, 57P03 cannot_connect_now) and too many connections (53300). A
/// PostgreSQL stopped under load answers statements in flight with 57P01.
fn server_went_away(sqlstate: &str) -> bool {
    sqlstate.starts_with("08") || matches!(sqlstate, "57P01" | "57P02" | "57P03" | "53300")
}

/// Maps a MongoDB error: no reachable server (selection, I/O, cleared pool,
/// DNS) is `unavailable` (503); anything else is `internal`.
pub fn mongo_error(e: mongodb::error::Error) -> DomainError {
    use mongodb::error::ErrorKind;
    match *e.kind {
        ErrorKind::ServerSelection { .. }
        | ErrorKind::Io(_)
        | ErrorKind::ConnectionPoolCleared { .. }
        | ErrorKind::DnsResolve { .. } => DomainError::unavailable("mongodb", e),
        _ => DomainError::internal(e),
    }
}

/// True when the error is a violated unique constraint.
pub fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Begins a transaction that will write. On SQLite it takes the write lock at
/// once (`BEGIN IMMEDIATE`), so a transaction that reads first cannot fail
/// later with "database is locked" when another writer got in between.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DomainError> {
    let txn = if db.get_database_backend() == DbBackend::Sqlite {
        db.begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
    } else {
        db.begin().await
    };
    txn.map_err(db_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::error::ErrorCode;

    #[test]
    fn lost_connections_are_unavailable_and_the_rest_internal() {
        let pool = DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(
            sea_orm::sqlx::Error::PoolTimedOut,
        )));
        assert_eq!(db_error(pool).kind(), ErrorKind::Unavailable);
        let acquire = DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout);
        assert_eq!(db_error(acquire).kind(), ErrorKind::Unavailable);
        let row = DbErr::RecordNotFound("topic".into());
        assert_eq!(db_error(row).kind(), ErrorKind::Internal);
    }

    #[test]
    fn a_server_ending_sessions_is_unavailable_and_a_failed_statement_is_not() {
        for code in ["57P01", "57P02", "57P03", "08006", "08001", "53300"] {
            assert!(server_went_away(code), "{code}");
        }
        for code in ["23505", "42P01", "40001", "57014"] {
            assert!(!server_went_away(code), "{code}");
        }
    }

    #[test]
    fn unreachable_mongodb_is_unavailable() {
        let io = mongodb::error::Error::from(std::io::Error::other("refused"));
        assert_eq!(mongo_error(io).kind(), ErrorKind::Unavailable);
    }
}
