//! Timestamps as the relational database stores them.

use time::OffsetDateTime;

/// Normalizes a timestamp before it is written to or compared in the database.
///
/// SQLite stores timestamps as RFC 3339 text whose fraction has a variable
/// number of digits, so text comparison would not follow time order. Truncating
/// to microseconds (what PostgreSQL keeps) and setting the last nanosecond digit
/// gives every stored value the same width, so SQL comparisons and ordering are
/// right on both backends; PostgreSQL rounds the extra nanosecond away.
pub fn db_time(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    let nanos = (t.nanosecond() / 1_000) * 1_000 + 1;
    t.replace_nanosecond(nanos).unwrap_or(t)
}

/// Now, normalized with [`db_time`].
pub fn db_now() -> OffsetDateTime {
    db_time(OffsetDateTime::now_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalized_times_sort_as_text_in_time_order() {
        let whole = time::macros::datetime!(2026-11-25 10:00:00 UTC);
        let half = time::macros::datetime!(2026-11-25 10:00:00.5 UTC);
        let a = db_time(whole).format(&time::format_description::well_known::Rfc3339);
        let b = db_time(half).format(&time::format_description::well_known::Rfc3339);
        let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
        assert_eq!(a.len(), b.len());
        assert!(a < b);
    }
}
