//! The instances: `p2p-server` processes on spare ports sharing one set of private backends
//! (one configuration, one port each), each one stopped (SIGTERM, or SIGKILL) and started again
//! on its own port, where the balancer expects it, appending to its log.

use p2p_server::config::Config;
use p2p_tests::process::{ServerProcess, free_port};
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

pub struct Instance {
    /// Its name in the balancer's configuration (`s1`, `s2`, ...).
    pub name: String,
    pub port: u16,
    log: PathBuf,
    process: Option<ServerProcess>,
}

pub struct Fleet {
    binary: PathBuf,
    raw: Config,
    pub instances: Vec<Instance>,
}

impl Fleet {
    /// Starts `count` instances of `binary` with `raw` (each on a port of its own), logs in
    /// `dir`; returns once each answers ready.
    pub async fn start(binary: &Path, raw: Config, count: usize, dir: &Path) -> Self {
        let mut fleet = Self {
            binary: binary.to_owned(),
            raw,
            instances: Vec::new(),
        };
        for i in 1..=count {
            fleet.instances.push(Instance {
                name: format!("s{i}"),
                port: free_port(),
                log: dir.join(format!("server-s{i}.log")),
                process: None,
            });
        }
        for i in 0..count {
            fleet.start_again(i).await;
        }
        fleet
    }

    pub fn base(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.instances[i].port)
    }

    pub fn pid(&self, i: usize) -> u32 {
        self.instances[i]
            .process
            .as_ref()
            .map_or(0, ServerProcess::pid)
    }

    /// Starts instance `i` (again) on its port; how long until it answered ready.
    pub async fn start_again(&mut self, i: usize) -> Duration {
        let started = Instant::now();
        let mut raw = self.raw.clone();
        raw.port = self.instances[i].port;
        let process = ServerProcess::spawn_on(&self.binary, raw, &self.instances[i].log).await;
        self.instances[i].process = Some(process);
        started.elapsed()
    }

    /// SIGTERM to instance `i`, then waits for it to exit (within its drain, its shutdown
    /// timeout and a margin); its exit status.
    pub async fn terminate(&mut self, i: usize) -> ExitStatus {
        let within =
            Duration::from_secs(self.raw.shutdown_drain_secs + self.raw.shutdown_timeout_secs + 30);
        let mut process = self.instances[i]
            .process
            .take()
            .expect("a running instance");
        process.terminate();
        process.exit_status(within).await
    }

    /// SIGKILL to instance `i` (it ends at once, whatever it was doing).
    pub fn kill(&mut self, i: usize) {
        let mut process = self.instances[i]
            .process
            .take()
            .expect("a running instance");
        process.kill();
    }
}
