//! A circuit breaker per backend. Without it, a request making several calls
//! to a hung backend (a frozen process, a network partition) would wait one
//! timeout per call. With it:
//!
//! - **closed**: every call goes through; one that finds the backend
//!   unreachable (a timeout, a refused or dropped connection) opens it;
//! - **open**: every call fails at once for the pause;
//! - **half-open**: after the pause exactly one call, the trial, goes through
//!   while the others keep failing at once; the trial's answer closes the
//!   breaker, its failure (or its caller giving up on it) opens it again for
//!   another pause.
//!
//! The readiness probe is a trial too, without waiting for the pause
//! ([`Breaker::admit_probe`]): the breaker closes as soon as the backend
//! answers the probe again.
//!
//! Why not a crate: `failsafe` (0.3) lets every call through once its pause
//! is over (its half-open state permits all calls), which is what made
//! requests on a frozen Redis meet one timeout per pause; `recloser` decides
//! on a ring buffer of several half-open calls, also let through together.
//! Neither lets a probe be the trial. See `docs/operations.md` ("Faults").

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The state of one backend's breaker. Cheap to share (`Arc`).
#[derive(Debug)]
pub struct Breaker {
    backend: &'static str,
    pause: Duration,
    state: Mutex<State>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Closed,
    /// Calls fail at once until `retry_at`; then one goes through.
    Open {
        retry_at: Instant,
        trials: u64,
    },
    /// Trial number `trial` is in flight; the other calls fail at once.
    HalfOpen {
        trial: u64,
    },
}

/// What the state is, for logs and the `backend_breaker_state` gauge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Position {
    Closed = 0,
    HalfOpen = 1,
    Open = 2,
}

/// Leave to call the backend, given by [`Breaker::admit`]. Report how the call
/// ended with [`Pass::answered`] or [`Pass::unreachable`]; a trial pass
/// dropped without an answer (its caller gave up) opens the breaker again.
#[derive(Debug)]
#[must_use = "report the call's outcome on the pass"]
pub struct Pass {
    breaker: Arc<Breaker>,
    /// The trial this pass is, when the breaker was not closed.
    trial: Option<u64>,
}

impl Breaker {
    /// A closed breaker for `backend` that fails calls at once for `pause`
    /// after one found it unreachable (a zero `pause`: never opens).
    pub fn new(backend: &'static str, pause: Duration) -> Self {
        metrics::gauge!("backend_breaker_state", "backend" => backend)
            .set(Position::Closed as u8 as f64);
        Self {
            backend,
            pause,
            state: Mutex::new(State::Closed),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Where the breaker stands now.
    pub fn position(&self) -> Position {
        match *self.state() {
            State::Closed => Position::Closed,
            State::Open { .. } => Position::Open,
            State::HalfOpen { .. } => Position::HalfOpen,
        }
    }

    /// Leave for a call, or `None`: the backend counts as down, fail at once.
    pub fn admit(self: &Arc<Self>) -> Option<Pass> {
        self.admit_at(Instant::now(), false)
    }

    /// Leave for the readiness probe: as [`Self::admit`], but an open breaker
    /// lets the probe through as its trial before the pause is over.
    pub fn admit_probe(self: &Arc<Self>) -> Option<Pass> {
        self.admit_at(Instant::now(), true)
    }

    fn admit_at(self: &Arc<Self>, now: Instant, probe: bool) -> Option<Pass> {
        let mut state = self.state();
        let trial = match *state {
            State::Closed => None,
            State::HalfOpen { .. } => return None,
            State::Open { retry_at, trials } => {
                if now < retry_at && !probe {
                    return None;
                }
                let trial = trials + 1;
                self.set(&mut state, State::HalfOpen { trial });
                Some(trial)
            }
        };
        Some(Pass {
            breaker: self.clone(),
            trial,
        })
    }

    fn set(&self, state: &mut State, next: State) {
        *state = next;
        let position = match next {
            State::Closed => Position::Closed,
            State::Open { .. } => Position::Open,
            State::HalfOpen { .. } => Position::HalfOpen,
        };
        metrics::gauge!("backend_breaker_state", "backend" => self.backend)
            .set(position as u8 as f64);
    }

    fn open(&self, state: &mut State, now: Instant, trials: u64) {
        let retry_at = now + self.pause;
        self.set(state, State::Open { retry_at, trials });
    }

    fn answered(&self, trial: Option<u64>) {
        let mut state = self.state();
        if let State::HalfOpen { trial: current } = *state
            && trial == Some(current)
        {
            self.set(&mut state, State::Closed);
            drop(state);
            tracing::info!(backend = self.backend, "backend answers again");
        }
    }

    fn unreachable_at(&self, trial: Option<u64>, now: Instant) {
        if self.pause.is_zero() {
            return;
        }
        let mut state = self.state();
        match *state {
            // A trial pass finding it closed: its trial already ended.
            State::Closed if trial.is_none() => {
                self.open(&mut state, now, 0);
                drop(state);
                metrics::counter!("backend_breaker_opened_total", "backend" => self.backend)
                    .increment(1);
                tracing::warn!(
                    backend = self.backend,
                    pause_ms = self.pause.as_millis(),
                    "backend unreachable: calls fail at once, one trial after the pause"
                );
            }
            State::HalfOpen { trial: current } if trial == Some(current) => {
                self.open(&mut state, now, current);
            }
            // Calls let through before it opened, or an old trial: the
            // current state already says what is known.
            State::Closed | State::HalfOpen { .. } | State::Open { .. } => {}
        }
    }
}

impl Pass {
    /// The backend answered (even with an error of the call's own, such as a
    /// wrong query): a trial closes the breaker.
    pub fn answered(&self) {
        self.breaker.answered(self.trial);
    }

    /// The call found the backend unreachable (a timeout, a refused or dropped
    /// connection): a closed breaker opens, a trial opens it again.
    pub fn unreachable(&self) {
        self.breaker.unreachable_at(self.trial, Instant::now());
    }

    /// Whether this pass is the half-open breaker's trial.
    pub fn is_trial(&self) -> bool {
        self.trial.is_some()
    }
}

impl Drop for Pass {
    /// A trial whose caller gave up before the backend answered (a dropped
    /// request, the probe's own timeout) counts as not answered.
    fn drop(&mut self) {
        if self.trial.is_some() {
            self.breaker.unreachable_at(self.trial, Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAUSE: Duration = Duration::from_secs(2);

    fn breaker() -> Arc<Breaker> {
        Arc::new(Breaker::new("redis", PAUSE))
    }

    /// `admit` at `t0 + after` (a logical clock: no sleeping).
    fn admit(b: &Arc<Breaker>, t0: Instant, after: Duration) -> Option<Pass> {
        b.admit_at(t0 + after, false)
    }

    #[test]
    fn closed_lets_every_call_through_and_answers_keep_it_closed() {
        let b = breaker();
        let passes: Vec<_> = (0..3).filter_map(|_| b.admit()).collect();
        assert_eq!(passes.len(), 3);
        assert!(passes.iter().all(|p| !p.is_trial()));
        passes.iter().for_each(Pass::answered);
        drop(passes);
        assert_eq!(b.position(), Position::Closed);
    }

    #[test]
    fn an_unreachable_backend_opens_it_and_calls_fail_at_once_for_the_pause() {
        let b = breaker();
        let t0 = Instant::now();
        let call = admit(&b, t0, Duration::ZERO);
        assert!(
            call.as_ref().is_some_and(|c| !c.is_trial()),
            "closed at first"
        );
        b.unreachable_at(None, t0);
        assert_eq!(b.position(), Position::Open);
        for ms in [0, 1, 1000, 1999] {
            assert!(admit(&b, t0, Duration::from_millis(ms)).is_none());
        }
    }

    #[test]
    fn after_the_pause_exactly_one_trial_goes_through() {
        let b = breaker();
        let t0 = Instant::now();
        b.unreachable_at(None, t0);
        let trial = admit(&b, t0, PAUSE);
        assert!(
            trial.as_ref().is_some_and(Pass::is_trial),
            "the first after the pause"
        );
        assert_eq!(b.position(), Position::HalfOpen);
        for later in [PAUSE, PAUSE * 2, PAUSE * 100] {
            assert!(admit(&b, t0, later).is_none(), "the others fail at once");
        }
        assert!(b.admit_at(t0 + PAUSE, true).is_none(), "the probe too");
        drop(trial);
    }

    #[test]
    fn the_trial_answering_closes_it() {
        let b = breaker();
        let t0 = Instant::now();
        b.unreachable_at(None, t0);
        let trial = admit(&b, t0, PAUSE * 3);
        assert!(trial.as_ref().is_some_and(Pass::is_trial));
        if let Some(trial) = &trial {
            trial.answered();
        }
        assert_eq!(b.position(), Position::Closed);
        drop(trial);
        assert_eq!(
            b.position(),
            Position::Closed,
            "dropping it afterwards changes nothing"
        );
        assert!(admit(&b, t0, PAUSE * 3).is_some_and(|p| !p.is_trial()));
    }

    #[test]
    fn the_trial_failing_opens_it_for_another_pause() {
        let b = breaker();
        let t0 = Instant::now();
        b.unreachable_at(None, t0);
        let trial = admit(&b, t0, PAUSE);
        let failed_at = t0 + PAUSE + Duration::from_millis(500);
        if let Some(trial) = &trial {
            b.unreachable_at(trial.trial, failed_at);
        }
        assert_eq!(b.position(), Position::Open);
        assert!(b.admit_at(failed_at + PAUSE / 2, false).is_none());
        let next = b.admit_at(failed_at + PAUSE, false);
        assert!(next.as_ref().is_some_and(Pass::is_trial), "the next trial");
        drop(trial);
        assert_eq!(
            b.position(),
            Position::HalfOpen,
            "the old trial's end does not touch the new one"
        );
        drop(next);
    }

    #[test]
    fn a_trial_given_up_without_an_answer_opens_it_again() {
        let b = breaker();
        let t0 = Instant::now();
        b.unreachable_at(None, t0);
        drop(admit(&b, t0, PAUSE));
        assert_eq!(b.position(), Position::Open);
    }

    #[test]
    fn the_probe_is_a_trial_before_the_pause_is_over() {
        let b = breaker();
        let t0 = Instant::now();
        b.unreachable_at(None, t0);
        let probe = b.admit_at(t0, true);
        assert!(probe.as_ref().is_some_and(Pass::is_trial));
        assert!(
            admit(&b, t0, PAUSE).is_none(),
            "calls wait for the probe's answer"
        );
        if let Some(probe) = &probe {
            probe.answered();
        }
        assert_eq!(
            b.position(),
            Position::Closed,
            "closed as soon as it answers"
        );
        assert!(admit(&b, t0, Duration::ZERO).is_some());
    }

    #[test]
    fn late_failures_of_calls_let_through_before_it_opened_change_nothing() {
        let b = breaker();
        let t0 = Instant::now();
        let (Some(first), Some(second)) = (b.admit(), b.admit()) else {
            panic!("closed at first");
        };
        first.unreachable();
        let trial = b.admit_at(t0, true);
        assert!(trial.is_some());
        second.unreachable();
        second.answered();
        assert_eq!(
            b.position(),
            Position::HalfOpen,
            "still waiting for the trial"
        );
        drop(trial);
    }

    #[test]
    fn a_zero_pause_never_opens() {
        let b = Arc::new(Breaker::new("redis", Duration::ZERO));
        b.unreachable_at(None, Instant::now());
        assert_eq!(b.position(), Position::Closed);
        assert!(b.admit().is_some());
    }
}
