//! Mapping backend errors to [`DomainError`]s: an unreachable backend is a 503,
//! anything else a 500 whose cause goes to the logs only.

use p2p_kernel::DomainError;
use sea_orm::DbErr;

pub(crate) fn db_err(e: DbErr) -> DomainError {
    match e {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => DomainError::unavailable("database", e),
        other => DomainError::internal(other),
    }
}

pub(crate) fn mongo_err(e: mongodb::error::Error) -> DomainError {
    use mongodb::error::ErrorKind;
    match *e.kind {
        ErrorKind::ServerSelection { .. }
        | ErrorKind::Io(_)
        | ErrorKind::ConnectionPoolCleared { .. }
        | ErrorKind::DnsResolve { .. } => DomainError::unavailable("mongodb", e),
        _ => DomainError::internal(e),
    }
}

/// A stored value that cannot be read back (corrupt JSON column, bad id).
pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> DomainError {
    DomainError::internal(std::io::Error::other(format!(
        "stored {what} is not readable: {detail}"
    )))
}
