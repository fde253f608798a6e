//! Judging each fault's phases. Before: everything 2xx. Down (from the fault until the
//! return, including requests in flight when it struck): a route that needs the missing
//! backend answers 2xx or 503 with `Retry-After`, every other route 2xx; nothing unanswered
//! within [`HANG`], no other status, no 5xx body naming internals; `/health/ready` answers 503
//! naming the backend (after the probe's own 2 s timeout). After: within [`RECOVERY_LIMIT`]
//! of the return readiness is 200 and every request 2xx; before that, only 503 with
//! `Retry-After`.

use crate::readiness::Probe;
use p2p_tests::drill::services::Backend;
use p2p_tests::drill::traffic::{HANG, Record};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

pub const RECOVERY_LIMIT: Duration = Duration::from_secs(5);
/// Readiness may take its probe timeout (2 s) and a poll to notice a fault.
const READY_GRACE: Duration = Duration::from_secs(3);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The process stopped: connections refused.
    Stop,
    /// SIGSTOP: connections open, nothing answers.
    Freeze,
}

impl Mode {
    pub fn past(self) -> &'static str {
        match self {
            Self::Stop => "stopped",
            Self::Freeze => "frozen (SIGSTOP)",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Stop => "stop",
            Self::Freeze => "freeze",
        }
    }
}

pub struct Fault {
    pub backend: Backend,
    pub mode: Mode,
    pub start: Instant,
    pub down_at: Instant,
    /// When its return began (the thaw, or the start of the stopped backend again): from
    /// then on it may answer, so readiness need not name it down.
    pub returning_at: Instant,
    /// When it was surely back (thawed, or answering on its port): recovery counts from here.
    pub back_at: Instant,
    pub end: Instant,
}

#[derive(Default)]
struct Row {
    requests: usize,
    ok: usize,
    unavailable: usize,
    other: usize,
    hung: usize,
    latencies: Vec<Duration>,
}

impl Row {
    fn add(&mut self, record: &Record) {
        self.requests += 1;
        match record.status {
            200..=299 => self.ok += 1,
            503 => self.unavailable += 1,
            0 => self.hung += 1,
            _ => self.other += 1,
        }
        self.latencies.push(record.took);
    }

    fn p99_ms(&mut self) -> f64 {
        p2p_tests::stats::Latencies::new(std::mem::take(&mut self.latencies))
            .percentile(99.0)
            .as_secs_f64()
            * 1000.0
    }
}

/// Prints the table; returns the violations (each kind of violation once, with its count).
pub fn report(faults: &[Fault], records: &[Record], probes: &[Probe]) -> Vec<String> {
    let mut violations: BTreeMap<String, usize> = BTreeMap::new();
    let mut note = |text: String| *violations.entry(text).or_default() += 1;
    println!(
        "\n{:<9} {:<7} {:<7} {:>8} {:>7} {:>6} {:>6} {:>5} {:>9} {:>10}",
        "backend",
        "fault",
        "phase",
        "requests",
        "2xx",
        "503",
        "other",
        "hung",
        "p99 ms",
        "recovery"
    );
    for fault in faults {
        let name = format!("{} {}", fault.backend.label(), fault.mode.label());
        let (mut before, mut down, mut after) = (Row::default(), Row::default(), Row::default());
        let mut recovered = Duration::ZERO;
        for record in records
            .iter()
            .filter(|r| r.sent >= fault.start && r.sent < fault.end)
        {
            let done = record.sent + record.took;
            if done < fault.down_at {
                before.add(record);
                if !is_ok(record) {
                    note(format!(
                        "{name}, before: {:?} answered {}",
                        record.kind, record.status
                    ));
                }
            } else if record.sent < fault.back_at {
                down.add(record);
                judge_down(&name, fault.backend, record, &mut note);
            } else {
                after.add(record);
                if !is_ok(record) {
                    recovered = recovered.max(done - fault.back_at);
                    if !(record.status == 503 && record.retry_after) {
                        note(format!(
                            "{name}, after: {:?} answered {}",
                            record.kind, record.status
                        ));
                    }
                }
            }
            if record.leaky {
                note(format!(
                    "{name}: a {} body names internals ({:?})",
                    record.status, record.kind
                ));
            }
        }
        recovered = recovered.max(judge_readiness(&name, fault, probes, &mut note));
        if recovered > RECOVERY_LIMIT {
            note(format!(
                "{name}: recovery took {:.1} s",
                recovered.as_secs_f64()
            ));
        }
        for (phase, row) in [
            ("before", &mut before),
            ("down", &mut down),
            ("after", &mut after),
        ] {
            let recovery = match phase {
                "after" => format!("{:.1} s", recovered.as_secs_f64()),
                _ => String::new(),
            };
            let p99 = row.p99_ms();
            println!(
                "{:<9} {:<7} {:<7} {:>8} {:>7} {:>6} {:>6} {:>5} {:>9.1} {:>10}",
                fault.backend.label(),
                fault.mode.label(),
                phase,
                row.requests,
                row.ok,
                row.unavailable,
                row.other,
                row.hung,
                p99,
                recovery
            );
        }
    }
    violations
        .into_iter()
        .map(|(text, count)| format!("{text} (×{count})"))
        .collect()
}

fn is_ok(record: &Record) -> bool {
    (200..300).contains(&record.status)
}

fn judge_down(name: &str, backend: Backend, record: &Record, note: &mut impl FnMut(String)) {
    let needed = record.kind.needs(backend);
    let kind = record.kind;
    match record.status {
        200..=299 => {}
        503 if needed && record.retry_after => {}
        503 if needed => note(format!(
            "{name}, down: {kind:?} answered 503 without Retry-After"
        )),
        503 => note(format!(
            "{name}, down: {kind:?} does not need {} but answered 503",
            backend.label()
        )),
        0 => note(format!(
            "{name}, down: {kind:?} got no answer within {} s",
            HANG.as_secs()
        )),
        status => note(format!("{name}, down: {kind:?} answered {status}")),
    }
    if needed && record.status == 503 && record.took > HANG {
        note(format!(
            "{name}, down: {kind:?} took over {} s to answer 503",
            HANG.as_secs()
        ));
    }
}

/// Readiness during the fault names the backend; the first 200 after the return: how long
/// after it (the whole after phase when none came).
fn judge_readiness(
    name: &str,
    fault: &Fault,
    probes: &[Probe],
    note: &mut impl FnMut(String),
) -> Duration {
    let probe = fault.backend.probe();
    for p in probes {
        let done = p.sent + p.took;
        if p.sent >= fault.down_at + READY_GRACE
            && done <= fault.returning_at
            && !p.names_down(probe)
        {
            note(format!(
                "{name}, down: /health/ready answered {} without naming {probe} down",
                p.status
            ));
        }
        if p.sent >= fault.start && p.sent < fault.end && p.took > Duration::from_secs(5) {
            note(format!("{name}: /health/ready took over 5 s"));
        }
    }
    match probes
        .iter()
        .find(|p| p.sent >= fault.back_at && p.status == 200)
    {
        Some(p) if p.sent < fault.end => (p.sent + p.took) - fault.back_at,
        _ => {
            note(format!(
                "{name}, after: /health/ready never answered 200 again"
            ));
            fault.end - fault.back_at
        }
    }
}
