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
use std::time::Duration;
use time::OffsetDateTime;

/// The outboxes, as the `outbox` label gives them.
pub const EVENTS: &str = "events";
pub const MAIL: &str = "mail";

/// Records how long an item of `outbox` waited, from `created_at` until now
/// (when it was done).
pub fn observe_done(outbox: &'static str, created_at: OffsetDateTime) {
    metrics::histogram!("outbox_delay_seconds", "outbox" => outbox)
        .record(age(created_at).as_secs_f64());
}

/// Publishes the age of the oldest item due in `outbox` (`None`: nothing due).
pub fn report_oldest_due(outbox: &'static str, oldest: Option<OffsetDateTime>) {
    metrics::gauge!("outbox_oldest_due_seconds", "outbox" => outbox)
        .set(oldest.map_or(0.0, |oldest| age(oldest).as_secs_f64()));
}

/// How long ago `then` was; zero for a time not yet reached (clocks of
/// several instances differ a little).
pub(super) fn age(then: OffsetDateTime) -> Duration {
    Duration::try_from(db_now() - then).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_never_negative() {
        let now = db_now();
        assert_eq!(age(now + time::Duration::minutes(1)), Duration::ZERO);
        let ago = age(now - time::Duration::seconds(90)).as_secs_f64();
        assert!((90.0..91.0).contains(&ago), "{ago}");
    }
}
