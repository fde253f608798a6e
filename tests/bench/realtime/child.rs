//! The parent's handle on a `p2p-bench realtime-clients` process: this same
//! binary, re-executed, speaking the line protocol of `protocol` over its
//! stdin and stdout (its stderr is the bench's). The process is killed when
//! the handle is dropped without [`Clients::close`].

use super::protocol::{Command, Config, Report, now_ns};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::time::Duration;
use tokio::sync::mpsc;

pub struct Clients {
    child: Child,
    stdin: ChildStdin,
    reports: mpsc::UnboundedReceiver<Report>,
}

/// What [`Clients::ready`] learned.
pub struct Ready {
    pub base_seq: u64,
    pub mismatched: usize,
    pub setup: Duration,
}

/// What [`Clients::close`] learned.
pub struct Closed {
    pub open: usize,
    pub errors: usize,
    pub other_frames: usize,
}

impl Clients {
    /// Starts the client process and hands it `config`.
    pub fn spawn(config: &Config) -> Self {
        let exe = std::env::current_exe().expect("the bench's own path");
        let mut child = std::process::Command::new(exe)
            .arg("realtime-clients")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the client process starts");
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, reports) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                match serde_json::from_str::<Report>(&line) {
                    Ok(report) => {
                        if tx.send(report).is_err() {
                            break;
                        }
                    }
                    Err(_) => eprintln!("realtime-clients: {line}"),
                }
            }
        });
        let mut clients = Self {
            child,
            stdin,
            reports,
        };
        clients.send_line(&serde_json::to_string(config).expect("a configuration"));
        clients
    }

    /// The client process's resident set, in KiB.
    pub fn rss_kib(&self) -> i64 {
        super::rss_kib_of(&format!("/proc/{}/status", self.child.id()))
    }

    /// CPU time the client process has used so far (user and system).
    pub fn cpu_time(&self) -> Duration {
        super::cpu_time_of(&format!("/proc/{}/stat", self.child.id()))
    }

    fn send_line(&mut self, line: &str) {
        writeln!(self.stdin, "{line}")
            .and_then(|()| self.stdin.flush())
            .expect("the client process reads its commands");
    }

    fn send(&mut self, command: &Command) {
        self.send_line(&serde_json::to_string(command).expect("a command"));
    }

    async fn next(&mut self, within: Duration) -> Report {
        tokio::time::timeout(within, self.reports.recv())
            .await
            .unwrap_or_else(|_| panic!("no report from the client process within {within:?}"))
            .expect("the client process reports (it ended early: see its output above)")
    }

    /// Waits until every socket is open (and subscribed).
    pub async fn ready(&mut self, within: Duration) -> Ready {
        match self.next(within).await {
            Report::Ready {
                base_seq,
                mismatched,
                setup_ms,
                ..
            } => Ready {
                base_seq,
                mismatched,
                setup: Duration::from_millis(setup_ms),
            },
            _ => panic!("the client process reported something else than ready"),
        }
    }

    /// How many sockets received event `seq` within `timeout`, and the
    /// wall-clock times of the first and last arrival.
    pub async fn event(&mut self, seq: u64, timeout: Duration) -> (usize, u64, u64) {
        let timeout_ms = timeout.as_millis() as u64;
        self.send(&Command::Await { seq, timeout_ms });
        loop {
            if let Report::Event {
                seq: got,
                received,
                first_ns,
                last_ns,
            } = self.next(timeout + Duration::from_secs(10)).await
                && got == seq
            {
                return (received, first_ns, last_ns);
            }
        }
    }

    /// Checks that both processes read the same wall clock: the child's
    /// reading must fall between this process's readings before sending the
    /// question and after receiving the answer. Returns that window.
    pub async fn clock_check(&mut self) -> Result<Duration, String> {
        let sent = now_ns();
        self.send(&Command::Clock);
        let Report::Clock { now_ns: theirs } = self.next(Duration::from_secs(10)).await else {
            return Err("the client process did not answer the clock check".into());
        };
        let received = now_ns();
        let window = Duration::from_nanos(received.saturating_sub(sent));
        if (sent..=received).contains(&theirs) {
            Ok(window)
        } else {
            Err(format!(
                "the client's clock read {theirs} outside [{sent}, {received}]"
            ))
        }
    }

    /// Closes every socket and waits for the process to end.
    pub async fn close(mut self) -> Closed {
        self.send(&Command::Close);
        let closed = loop {
            if let Report::Closed {
                open,
                errors,
                other_frames,
            } = self.next(Duration::from_secs(120)).await
            {
                break Closed {
                    open,
                    errors,
                    other_frames,
                };
            }
        };
        let _ = self.child.wait();
        closed
    }
}

impl Drop for Clients {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
