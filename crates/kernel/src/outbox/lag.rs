//! How far behind an outbox is, as metrics (labelled by outbox: `events` or
//! `mail`):
//!
//! - `outbox_delay_seconds` (histogram): from an item's recording to its
//!   being done (an event applied, an email sent), retries included;
//! - `outbox_oldest_due_seconds` (gauge): at each pass of the worker, the age
//!   of the oldest item due (0 when none is): it keeps growing while the
//!   worker is stuck or cannot keep up, which the delay of finished items
//!   alone would not show.

use crate::persistence::db_now;
use time::OffsetDateTime;

/// The outboxes, as the `outbox` label gives them.
pub const EVENTS: &str = "events";
pub const MAIL: &str = "mail";

/// Records how long an item of `outbox` waited, from `created_at` until now
/// (when it was done).
pub fn observe_done(outbox: &'static str, created_at: OffsetDateTime) {
    metrics::histogram!("outbox_delay_seconds", "outbox" => outbox)
        .record(seconds_since(created_at));
}

/// Publishes the age of the oldest item due in `outbox` (`None`: nothing due).
pub fn report_oldest_due(outbox: &'static str, oldest: Option<OffsetDateTime>) {
    metrics::gauge!("outbox_oldest_due_seconds", "outbox" => outbox)
        .set(oldest.map_or(0.0, seconds_since));
}

/// Seconds from `then` to now; 0 for a time not yet reached (clocks of
/// several instances differ a little).
fn seconds_since(then: OffsetDateTime) -> f64 {
    (db_now() - then).as_seconds_f64().max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_never_negative() {
        let now = db_now();
        assert!(seconds_since(now + time::Duration::minutes(1)).abs() < f64::EPSILON);
        let age = seconds_since(now - time::Duration::seconds(90));
        assert!((90.0..91.0).contains(&age), "{age}");
    }
}
