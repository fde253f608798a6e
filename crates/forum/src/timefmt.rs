//! Time as the forum stores it.
//!
//! Every timestamp is truncated to milliseconds (what BSON dates keep), so a
//! value reads back the same from PostgreSQL, SQLite and MongoDB; the kernel's
//! [`TimePrecision`] does the truncating (and SQLite's fixed-width text).

use p2p_kernel::persistence::TimePrecision;
use time::OffsetDateTime;

/// How finely the forum keeps timestamps: milliseconds, what BSON dates keep.
/// Write with `STORED.to_db(t)`, read back with `STORED.truncate(t)`.
pub(crate) const STORED: TimePrecision = TimePrecision::Millis;

pub(crate) fn unix_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

pub(crate) fn from_unix_ms(ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::format_description::well_known::Rfc3339;
    use time::macros::datetime;

    #[test]
    fn db_text_has_fixed_width_and_time_order() {
        let a = STORED.to_db(datetime!(2026-01-01 10:00:00 UTC));
        let b = STORED.to_db(datetime!(2026-01-01 10:00:00.5 UTC));
        let c = STORED.to_db(datetime!(2026-01-01 10:00:00.512345 UTC));
        let f = |t: OffsetDateTime| t.format(&Rfc3339).unwrap_or_default();
        assert_eq!(f(a).len(), f(b).len());
        assert_eq!(f(b).len(), f(c).len());
        assert!(f(a) < f(b) && f(b) < f(c));
        assert_eq!(STORED.truncate(c), datetime!(2026-01-01 10:00:00.512 UTC));
    }

    #[test]
    fn millis_round_trip() {
        let t = datetime!(2026-01-01 10:00:00.123 UTC);
        assert_eq!(from_unix_ms(unix_ms(t)), Some(t));
    }
}
