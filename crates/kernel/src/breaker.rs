//! A backend that just failed is taken for down for a short while: calls
//! fail at once instead of each waiting out its timeout. Without it, a
//! request making several calls to a hung backend (a frozen process, a
//! network partition) would wait one timeout per call; with it, at most one.
//! After the pause the next call tries the backend again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Whether a backend failed within the last `pause`. Cheap to share (`Arc`).
#[derive(Debug)]
pub struct Breaker {
    backend: &'static str,
    pause: Duration,
    epoch: Instant,
    /// Milliseconds after `epoch` until which calls fail at once (0: closed).
    open_until: AtomicU64,
}

impl Breaker {
    /// A closed breaker for `backend` that opens for `pause` on each failure
    /// (a zero `pause`: never opens).
    pub fn new(backend: &'static str, pause: Duration) -> Self {
        Self {
            backend,
            pause,
            epoch: Instant::now(),
            open_until: AtomicU64::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// True while the backend counts as down: skip the call.
    pub fn is_open(&self) -> bool {
        self.now_ms() < self.open_until.load(Ordering::Relaxed)
    }

    /// Records a failure that says the backend is unreachable (a timeout, a
    /// refused or dropped connection): calls fail at once for the pause.
    pub fn trip(&self) {
        if self.pause.is_zero() {
            return;
        }
        let pause = u64::try_from(self.pause.as_millis()).unwrap_or(u64::MAX);
        let until = self.now_ms().saturating_add(pause).max(1);
        if self.open_until.swap(until, Ordering::Relaxed) <= self.now_ms() {
            metrics::counter!("backend_breaker_opened_total", "backend" => self.backend)
                .increment(1);
            tracing::warn!(
                backend = self.backend,
                pause_ms = pause,
                "backend unreachable: calls fail at once for a while"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_on_a_failure_for_its_pause_only() {
        let breaker = Breaker::new("redis", Duration::from_secs(60));
        assert!(!breaker.is_open(), "closed at first");
        breaker.trip();
        assert!(breaker.is_open());
        let short = Breaker::new("redis", Duration::from_millis(1));
        short.trip();
        std::thread::sleep(Duration::from_millis(5));
        assert!(!short.is_open(), "closed again after the pause");
        let never = Breaker::new("redis", Duration::ZERO);
        never.trip();
        assert!(!never.is_open(), "a zero pause never opens");
    }
}
