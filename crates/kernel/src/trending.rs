//! The one trending formula, shared by the forum's `sort=trending` and the
//! dashboard's trending list, so both rank the same topics the same way.
//!
//! For an item (topic or use case) whose latest activity is at most
//! [`WINDOW_DAYS`] days old:
//!
//! ```text
//! engagement = replies + 2·upvotes + 3·(participants − 1) + 0.25·views
//! score      = (engagement / community_mean) / (age_hours + 2)^GRAVITY
//! ```
//!
//! `age_hours` is the time since the latest activity (a post; for a use case
//! its publication or latest view). `community_mean` is the mean engagement
//! of the dashboard's candidates (at least 1): one divisor for every item, so
//! it never changes an order; the forum ranks with 1. An item older than the
//! window scores 0. Scores are rounded to 9 decimals, so they survive every
//! database and JSON round trip intact (keyset cursors compare them).

use time::OffsetDateTime;

/// Exponent of the time decay.
pub const GRAVITY: f64 = 1.5;
/// Items whose latest activity is older than this do not trend (score 0).
pub const WINDOW_DAYS: i64 = 30;

/// What an item's engagement is made of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Engagement {
    pub replies: u64,
    pub upvotes: u64,
    /// Distinct authors of posts, the topic's author included.
    pub participants: u64,
    pub views: u64,
}

impl Engagement {
    /// replies + 2·upvotes + 3·(participants − 1) + 0.25·views
    pub fn weight(&self) -> f64 {
        self.replies as f64
            + 2.0 * self.upvotes as f64
            + 3.0 * self.participants.saturating_sub(1) as f64
            + 0.25 * self.views as f64
    }
}

/// Hours from `active_at` to `now` (0 for a time in the future).
pub fn age_hours(now: OffsetDateTime, active_at: OffsetDateTime) -> f64 {
    ((now - active_at).as_seconds_f64() / 3600.0).max(0.0)
}

/// (engagement / community_mean) / (age_hours + 2)^GRAVITY, rounded to 9
/// decimals; 0 beyond [`WINDOW_DAYS`].
pub fn score(engagement: f64, community_mean: f64, age_hours: f64) -> f64 {
    if age_hours > (WINDOW_DAYS * 24) as f64 {
        return 0.0;
    }
    let raw = (engagement / community_mean.max(1.0)) / (age_hours + 2.0).powf(GRAVITY);
    round(raw, 9)
}

/// `x` rounded to `decimals` decimals.
pub fn round(x: f64, decimals: i32) -> f64 {
    (x * 10f64.powi(decimals)).round() / 10f64.powi(decimals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engagement_ranks_and_age_decays() {
        let busy = Engagement {
            replies: 5,
            upvotes: 3,
            participants: 4,
            views: 0,
        };
        assert_eq!(busy.weight(), 5.0 + 6.0 + 9.0);
        assert!(score(busy.weight(), 1.0, 0.0) > score(1.0, 1.0, 0.0));
        assert!(score(busy.weight(), 1.0, 0.0) > score(busy.weight(), 1.0, 48.0));
        assert_eq!(score(busy.weight(), 1.0, 24.0 * 31.0), 0.0);
        let s = score(7.0, 1.0, 3.3);
        let back: f64 = serde_json::from_str(&serde_json::to_string(&s).unwrap_or_default())
            .unwrap_or_default();
        assert_eq!(s, back);
    }
}
