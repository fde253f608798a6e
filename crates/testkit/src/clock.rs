//! A clock for tests: moves one millisecond each time it is read, and by hand.

use p2p_kernel::ports::Clock;
use std::sync::Mutex;
use time::OffsetDateTime;

/// Each reading is one millisecond after the previous one, so events written one after
/// the other in a test never share a timestamp; [`TickingClock::advance`] jumps ahead.
pub struct TickingClock(Mutex<OffsetDateTime>);

impl TickingClock {
    /// A clock starting at the current time.
    pub fn new() -> Self {
        Self::starting_at(OffsetDateTime::now_utc())
    }

    pub fn starting_at(start: OffsetDateTime) -> Self {
        Self(Mutex::new(start))
    }

    /// Moves the clock forward (expiry, retention, rate windows).
    pub fn advance(&self, by: time::Duration) {
        if let Ok(mut now) = self.0.lock() {
            *now += by;
        }
    }
}

impl Default for TickingClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TickingClock {
    fn now(&self) -> OffsetDateTime {
        match self.0.lock() {
            Ok(mut now) => {
                *now += time::Duration::milliseconds(1);
                *now
            }
            Err(_) => OffsetDateTime::now_utc(),
        }
    }
}
