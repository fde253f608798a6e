//! Database helpers shared by the organization and identity domains.

use p2p_kernel::DomainError;
use sea_orm::{DbErr, SqlErr};
use time::OffsetDateTime;

/// Maps a database error: a lost or exhausted connection is a 503, anything
/// else a 500 (the kernel's mapping).
pub fn db_err(e: DbErr) -> DomainError {
    p2p_kernel::error::db_error(e)
}

/// True when the error is a violated unique constraint.
pub fn is_unique_violation(e: &DbErr) -> bool {
    matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

pub use p2p_kernel::dbtime::db_time;

/// A stored timestamp as responses show it: microsecond precision, so that a
/// value just written and the same value read back (from either backend) are equal.
pub fn api_time(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond((t.nanosecond() / 1_000) * 1_000)
        .unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn db_time_has_fixed_width_text() {
        use time::format_description::well_known::Rfc3339;
        let a = db_time(time::macros::datetime!(2026-01-01 10:00:00 UTC));
        let b = db_time(time::macros::datetime!(2026-01-01 10:00:00.5 UTC));
        let c = db_time(time::macros::datetime!(2026-01-01 10:00:00.51 UTC));
        let (fa, fb, fc) = (
            a.format(&Rfc3339).unwrap_or_default(),
            b.format(&Rfc3339).unwrap_or_default(),
            c.format(&Rfc3339).unwrap_or_default(),
        );
        assert_eq!(fa.len(), fb.len());
        assert!(fa < fb && fb < fc);
    }
}
