//! The line protocol between the realtime bench (the parent, which runs the
//! server) and its client process (`p2p-bench realtime-clients`): one JSON
//! object per line, the parent's on the child's stdin, the child's on its stdout.
//!
//! Timing across the two processes: each side reads the wall clock
//! (`SystemTime`, CLOCK_REALTIME, one clock for the whole machine), never
//! `Instant`, whose values cannot leave the process. The parent takes the
//! publish time; the child the arrival times of an event's first and last
//! copy; the parent subtracts. The clock can be stepped (NTP) during a run, so
//! the parent checks it around the measurement with [`Command::Clock`]: the
//! child's reading must fall inside the parent's send/receive window.

use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

/// The first line the parent sends: what to open.
#[derive(Serialize, Deserialize)]
pub struct Config {
    /// The server's `/ws` URL, without a token.
    pub url: String,
    /// Access tokens, used round-robin for the sockets.
    pub tokens: Vec<String>,
    /// Sockets to open.
    pub sockets: usize,
    /// A channel every socket subscribes to (besides its own user channel).
    pub channel: Option<String>,
    /// Events of `channel` to track, from the head at subscription on.
    pub events: usize,
    /// Client tasks sharing the sockets.
    pub reader_tasks: usize,
    /// Handshakes in flight while connecting.
    pub concurrency: usize,
}

/// What the parent asks once the child is ready.
#[derive(Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Command {
    /// Answer [`Report::Event`] once every socket has received event `seq`
    /// of the channel, or after `timeout_ms`.
    Await { seq: u64, timeout_ms: u64 },
    /// Answer [`Report::Clock`] right away.
    Clock,
    /// Close every socket, answer [`Report::Closed`] and exit.
    Close,
}

/// What the child reports.
#[derive(Serialize, Deserialize)]
#[serde(tag = "report", rename_all = "snake_case")]
pub enum Report {
    /// Every socket is open (and subscribed to the channel, if any).
    Ready {
        sockets: usize,
        /// The channel's head when subscribed (the same on every socket, else counted in `mismatched`).
        base_seq: u64,
        mismatched: usize,
        setup_ms: u64,
    },
    /// Event `seq`: how many sockets received it and when the first and the
    /// last did (wall clock, nanoseconds since the Unix epoch; 0: none).
    Event {
        seq: u64,
        received: usize,
        first_ns: u64,
        last_ns: u64,
    },
    Clock {
        now_ns: u64,
    },
    Closed {
        open: usize,
        errors: usize,
        other_frames: usize,
    },
}

/// The wall clock in nanoseconds since the Unix epoch.
pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}
