//! The stored trending score: engagement on a log scale plus the time of the
//! latest activity, so newer activity outranks older engagement (a factor of
//! ten in engagement is worth [`DECAY_SECS`] of recency). The score only
//! changes when the topic does, so lists sort by a stored, indexed column.

use time::OffsetDateTime;
use time::macros::datetime;

/// Seconds of recency worth a tenfold engagement (12.5 hours).
pub(crate) const DECAY_SECS: f64 = 45_000.0;

const EPOCH: OffsetDateTime = datetime!(2025-01-01 0:00 UTC);

/// Replies, upvotes and participants beyond the author, weighted.
pub(crate) fn engagement(replies: u64, upvotes: u64, participants: u64) -> f64 {
    replies as f64 + 2.0 * upvotes as f64 + 3.0 * participants.saturating_sub(1) as f64
}

pub(crate) fn score(engagement: f64, active_at: OffsetDateTime) -> f64 {
    let recency = (active_at - EPOCH).whole_milliseconds() as f64 / 1000.0 / DECAY_SECS;
    let raw = (1.0 + engagement.max(0.0)).log10() + recency;
    // Rounded so the value survives every database and JSON round trip intact.
    (raw * 1e9).round() / 1e9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_activity_and_engagement_both_count() {
        let t = datetime!(2026-01-01 0:00 UTC);
        assert!(score(10.0, t) > score(1.0, t));
        assert!(score(1.0, t + time::Duration::hours(1)) > score(1.0, t));
        assert!(score(0.0, t + time::Duration::days(3)) > score(100.0, t));
        let s = score(7.0, t);
        let back: f64 = serde_json::from_str(&serde_json::to_string(&s).unwrap_or_default())
            .unwrap_or_default();
        assert_eq!(s, back);
    }
}
