//! `p2p-bench realtime-clients`: the client side of the realtime bench, in a
//! process of its own (so that the server's process holds only the server's
//! end of each socket: its memory is the server's, and each process needs one
//! descriptor per socket). Reads a [`Config`] line, opens the sockets, reports
//! [`Report::Ready`], then answers the parent's [`Command`]s (see `protocol`).

use super::lean::{LeanSocket, OnText, Readers};
use super::protocol::{Command, Config, Report, now_ns};
use serde::Deserialize;
use std::io::{BufRead, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc};

pub async fn main() {
    let mut commands = stdin_lines();
    let line = commands.recv().await.expect("a configuration line");
    let config: Config = serde_json::from_str(&line).expect("a configuration");
    let started = Instant::now();
    let channel = config.channel.clone().unwrap_or_default();
    let tracker = Arc::new(Tracker::new(&config));

    let (sockets, heads) = open_all(&config);
    // Each socket's head of the channel; they must all agree.
    let mut counts = std::collections::HashMap::<u64, usize>::new();
    for head in heads {
        *counts.entry(head).or_default() += 1;
    }
    let (base_seq, agreeing) = counts
        .iter()
        .max_by_key(|(_, count)| **count)
        .map_or((0, 0), |(head, count)| (*head, *count));
    tracker.start(&channel, base_seq);
    let readers = Readers::start(sockets, config.reader_tasks, tracker.clone());
    report(&Report::Ready {
        sockets: config.sockets,
        base_seq,
        mismatched: config.sockets - agreeing,
        setup_ms: started.elapsed().as_millis() as u64,
    });

    let mut readers = Some(readers);
    while let Some(line) = commands.recv().await {
        match serde_json::from_str::<Command>(&line).expect("a command") {
            Command::Await { seq, timeout_ms } => {
                let (received, first_ns, last_ns) =
                    tracker.wait(seq, Duration::from_millis(timeout_ms)).await;
                report(&Report::Event {
                    seq,
                    received,
                    first_ns,
                    last_ns,
                });
            }
            Command::Clock => report(&Report::Clock { now_ns: now_ns() }),
            Command::Close => {
                let sockets = readers.take().map(Readers::stop).unwrap_or_default();
                let open: Vec<LeanSocket> =
                    sockets.into_iter().filter(|s| !s.is_closed()).collect();
                let still_open = open.len();
                open.into_iter().for_each(LeanSocket::close);
                report(&Report::Closed {
                    open: still_open,
                    errors: tracker.errors.load(Ordering::Relaxed),
                    other_frames: tracker.other_frames.load(Ordering::Relaxed),
                });
                return;
            }
        }
    }
    // stdin closed: the parent is gone; exiting closes the sockets.
}

/// Opens (and subscribes) every socket, `config.concurrency` handshakes at
/// a time on blocking threads; the sockets with each one's channel head.
fn open_all(config: &Config) -> (Vec<LeanSocket>, Vec<u64>) {
    let threads = config.concurrency.clamp(1, config.sockets.max(1));
    let next = AtomicUsize::new(0);
    let opened = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut opened = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= config.sockets {
                            return opened;
                        }
                        let token = &config.tokens[i % config.tokens.len()];
                        let mut socket = LeanSocket::connect(&config.url, token);
                        let head = match &config.channel {
                            Some(channel) => socket.subscribe(channel),
                            None => 0,
                        };
                        opened.push((socket, head));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a connecting thread"))
            .collect::<Vec<_>>()
    });
    opened.into_iter().unzip()
}

/// The parent's lines, read on a thread of their own.
fn stdin_lines() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn report(report: &Report) {
    let mut out = std::io::stdout().lock();
    let line = serde_json::to_string(report).expect("a report");
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .expect("the parent reads the reports");
}

// ---------------------------------------------------------------------------
// Arrival bookkeeping

/// Arrivals of each tracked event, shared by the reader tasks.
struct Tracker {
    sockets: usize,
    /// Set once the sockets are subscribed.
    tracked: std::sync::OnceLock<Tracked>,
    received: Vec<AtomicUsize>,
    first_ns: Vec<AtomicU64>,
    last_ns: Vec<AtomicU64>,
    /// Frames that were neither a tracked event nor a heartbeat.
    other_frames: AtomicUsize,
    errors: AtomicUsize,
    complete: Notify,
}

/// The events counted: those of `channel` after `base_seq`.
struct Tracked {
    channel: String,
    base_seq: u64,
    /// `{"type":"event","channel":"<channel>","seq":`: the start of the
    /// channel's event frames as the server renders them (`EventTemplate`).
    prefix: String,
}

/// The fields of a frame the slow path looks at.
#[derive(Deserialize)]
struct Frame {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    seq: Option<u64>,
}

impl Tracker {
    fn new(config: &Config) -> Self {
        let events = config.events;
        Self {
            sockets: config.sockets,
            tracked: std::sync::OnceLock::new(),
            received: (0..events).map(|_| AtomicUsize::new(0)).collect(),
            first_ns: (0..events).map(|_| AtomicU64::new(u64::MAX)).collect(),
            last_ns: (0..events).map(|_| AtomicU64::new(0)).collect(),
            other_frames: AtomicUsize::new(0),
            errors: AtomicUsize::new(0),
            complete: Notify::new(),
        }
    }

    /// Starts tracking the events of `channel` after `base_seq`.
    fn start(&self, channel: &str, base_seq: u64) {
        let _ = self.tracked.set(Tracked {
            channel: channel.to_owned(),
            base_seq,
            prefix: format!(r#"{{"type":"event","channel":"{channel}","seq":"#),
        });
    }

    /// The index of the tracked event in `text`, if it is one.
    fn index(&self, text: &str) -> Option<usize> {
        let tracked = self.tracked.get()?;
        let seq = match text.strip_prefix(tracked.prefix.as_str()) {
            // Fast path: the frame as the server renders it.
            Some(rest) => {
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                rest[..digits].parse().ok()?
            }
            None => {
                let frame = serde_json::from_str::<Frame>(text).ok()?;
                if frame.kind != "event" || frame.channel.as_deref() != Some(&tracked.channel) {
                    return None;
                }
                frame.seq?
            }
        };
        let index = seq.checked_sub(tracked.base_seq + 1)? as usize;
        (index < self.received.len()).then_some(index)
    }

    fn on_text(&self, text: &str, at_ns: u64) {
        let Some(i) = self.index(text) else {
            self.other_frames.fetch_add(1, Ordering::Relaxed);
            return;
        };
        self.first_ns[i].fetch_min(at_ns, Ordering::AcqRel);
        self.last_ns[i].fetch_max(at_ns, Ordering::AcqRel);
        if self.received[i].fetch_add(1, Ordering::AcqRel) + 1 == self.sockets {
            self.complete.notify_one();
        }
    }

    /// Waits until every socket has event `seq` (or `timeout`): how many
    /// did, and the first and last arrival times (0 when none arrived).
    async fn wait(&self, seq: u64, timeout: Duration) -> (usize, u64, u64) {
        let base_seq = self.tracked.get().map_or(0, |t| t.base_seq);
        let Some(i) = seq
            .checked_sub(base_seq + 1)
            .map(|i| i as usize)
            .filter(|i| *i < self.received.len())
        else {
            return (0, 0, 0);
        };
        let deadline = tokio::time::Instant::now() + timeout;
        while self.received[i].load(Ordering::Acquire) < self.sockets {
            if tokio::time::timeout_at(deadline, self.complete.notified())
                .await
                .is_err()
            {
                break;
            }
        }
        let received = self.received[i].load(Ordering::Acquire);
        let first = self.first_ns[i].load(Ordering::Acquire);
        let last = self.last_ns[i].load(Ordering::Acquire);
        (received, if received == 0 { 0 } else { first }, last)
    }
}

impl OnText for Tracker {
    fn on_text(&self, text: &str, at_ns: u64) {
        Tracker::on_text(self, text, at_ns);
    }

    fn on_error(&self) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }
}
