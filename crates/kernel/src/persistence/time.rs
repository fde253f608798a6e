//! Timestamps as the stores keep them.
//!
//! A store keeps a timestamp to some precision: PostgreSQL microseconds, BSON
//! dates milliseconds. A value is truncated to that precision before it is
//! written, so it reads back equal to what was written on every backend.
//!
//! SQLite stores timestamps as RFC 3339 text whose fraction has a variable
//! number of digits, so text comparison would not follow time order. Setting
//! the last nanosecond digit of a truncated value gives every stored value the
//! same width, so SQL comparisons and ordering are right on both relational
//! backends; PostgreSQL rounds the extra nanosecond away.

use time::{OffsetDateTime, UtcOffset};

/// How finely a store keeps timestamps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimePrecision {
    /// What PostgreSQL keeps: the relational stores' default.
    Micros,
    /// What BSON dates keep: for data that may live in MongoDB.
    Millis,
}

impl TimePrecision {
    fn step(self) -> u32 {
        match self {
            TimePrecision::Micros => 1_000,
            TimePrecision::Millis => 1_000_000,
        }
    }

    /// The timestamp as the store keeps it (and as a response shows it): UTC,
    /// truncated to this precision.
    pub fn truncate(self, t: OffsetDateTime) -> OffsetDateTime {
        let t = t.to_offset(UtcOffset::UTC);
        let step = self.step();
        t.replace_nanosecond((t.nanosecond() / step) * step)
            .unwrap_or(t)
    }

    /// The value written to (or compared in) the relational database:
    /// truncated, plus the one nanosecond that fixes the width of SQLite's text.
    pub fn to_db(self, t: OffsetDateTime) -> OffsetDateTime {
        let t = self.truncate(t);
        t.replace_nanosecond(t.nanosecond() + 1).unwrap_or(t)
    }
}

/// Normalizes a timestamp before it is written to or compared in the
/// relational database, at microsecond precision ([`TimePrecision::to_db`]).
pub fn db_time(t: OffsetDateTime) -> OffsetDateTime {
    TimePrecision::Micros.to_db(t)
}

/// Now, normalized with [`db_time`].
pub fn db_now() -> OffsetDateTime {
    db_time(OffsetDateTime::now_utc())
}

/// A stored timestamp as responses show it: microsecond precision, so that a
/// value just written and the same value read back (from either backend) are equal.
pub fn api_time(t: OffsetDateTime) -> OffsetDateTime {
    TimePrecision::Micros.truncate(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::format_description::well_known::Rfc3339;
    use time::macros::datetime;

    fn text(t: OffsetDateTime) -> String {
        t.format(&Rfc3339).unwrap_or_default()
    }

    #[test]
    fn normalized_times_sort_as_text_in_time_order() {
        for p in [TimePrecision::Micros, TimePrecision::Millis] {
            let a = text(p.to_db(datetime!(2026-01-01 10:00:00 UTC)));
            let b = text(p.to_db(datetime!(2026-01-01 10:00:00.5 UTC)));
            let c = text(p.to_db(datetime!(2026-01-01 10:00:00.512345 UTC)));
            assert_eq!(a.len(), b.len());
            assert_eq!(b.len(), c.len());
            assert!(a < b && b < c, "{p:?}");
        }
    }

    #[test]
    fn truncation_keeps_the_stores_precision() {
        let t = datetime!(2026-01-01 10:00:00.512345678 UTC);
        assert_eq!(api_time(t), datetime!(2026-01-01 10:00:00.512345 UTC));
        assert_eq!(api_time(db_time(t)), api_time(t));
        let ms = TimePrecision::Millis;
        assert_eq!(ms.truncate(t), datetime!(2026-01-01 10:00:00.512 UTC));
        assert_eq!(ms.truncate(ms.to_db(t)), ms.truncate(t));
        let local = datetime!(2026-01-01 11:00:00.5 +01:00);
        assert_eq!(ms.truncate(local), datetime!(2026-01-01 10:00:00.5 UTC));
    }
}
