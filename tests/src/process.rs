//! A server in its own process (the `p2p-server` binary), for what can only be
//! measured or done from outside: resident memory, open descriptors, signals.

use p2p_server::config::{Config, env_key};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A spawned `p2p-server`, killed when dropped.
pub struct ServerProcess {
    pub base: String,
    child: Child,
}

impl ServerProcess {
    /// Starts `binary` with `raw` as its environment (every inherited `P2P_*`
    /// and backend variable removed) and waits until `/health/ready` answers 200.
    pub async fn spawn(binary: &Path, mut raw: Config, log: &Path) -> Self {
        raw.port = free_port();
        Self::spawn_on(binary, raw, log).await
    }

    /// [`ServerProcess::spawn`] on `raw.port` as given (an instance started again where a
    /// balancer expects it), appending to `log`.
    pub async fn spawn_on(binary: &Path, raw: Config, log: &Path) -> Self {
        Self::start(binary, raw, log, &[]).await
    }

    /// [`ServerProcess::spawn`] with more environment variables besides the
    /// configuration's (those of libraries the server uses).
    pub async fn spawn_with_env(
        binary: &Path,
        mut raw: Config,
        log: &Path,
        env: &[(&str, &str)],
    ) -> Self {
        raw.port = free_port();
        Self::start(binary, raw, log, env).await
    }

    async fn start(binary: &Path, mut raw: Config, log: &Path, env: &[(&str, &str)]) -> Self {
        let port = raw.port;
        raw.host = "127.0.0.1".into();
        let mut command = Command::new(binary);
        for (key, _) in std::env::vars() {
            if key.starts_with("P2P_") || is_backend_key(&key) {
                command.env_remove(key);
            }
        }
        command.envs(raw.to_env_vars());
        command.envs(env.iter().copied());
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
        let child = command
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let server = Self {
            base: format!("http://127.0.0.1:{port}"),
            child,
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(120);
        let url = format!("{}/health/ready", self.base);
        while Instant::now() < deadline {
            if let Ok(resp) = client.get(&url).send().await
                && resp.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("the server at {} did not become ready in 120 s", self.base);
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory (`VmRSS`) in KiB.
    pub fn rss_kib(&self) -> u64 {
        proc_status_kib(self.pid(), "VmRSS").unwrap_or(0)
    }
}

impl ServerProcess {
    /// The gauges of the server's bounded in-memory structures (`/metrics`,
    /// open in development), as `name value` pairs in the order served.
    pub async fn footprint(&self) -> Vec<(String, f64)> {
        const GAUGES: [&str; 7] = [
            "cache_bytes",
            "rate_limit_keys",
            "realtime_replay_bytes",
            "realtime_replay_events",
            "realtime_subscriptions",
            "search_index_queue_depth",
            "db_pool_connections",
        ];
        let Ok(resp) = reqwest::get(format!("{}/metrics", self.base)).await else {
            return Vec::new();
        };
        let text = resp.text().await.unwrap_or_default();
        text.lines()
            .filter_map(|line| {
                let (name, value) = line.split_once(' ')?;
                let value = value.trim().parse().ok()?;
                GAUGES.contains(&name).then(|| (name.to_owned(), value))
            })
            .collect()
    }
}

impl ServerProcess {
    /// [`ServerProcess::footprint`] on one line: `name=value ...`.
    pub async fn footprint_line(&self) -> String {
        self.footprint()
            .await
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// KiB (as `/proc` gives them) in MiB.
#[allow(clippy::cast_precision_loss)]
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

impl ServerProcess {
    /// Sends SIGTERM, as an orchestrator does before replacing an instance.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success(), "kill -TERM {} failed", self.pid());
    }

    /// Sends SIGKILL and reaps the process: it ends at once, whatever it was
    /// doing, as in a crash or an out-of-memory kill.
    pub fn kill(&mut self) {
        self.child.kill().expect("kill -9");
        let _ = self.child.wait();
    }

    /// Waits up to `within` for the process to exit; its exit status.
    pub async fn exit_status(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("process status") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A field of `/proc/<pid>/status` given in kB.
pub fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

fn is_backend_key(key: &str) -> bool {
    env_key(&key.to_ascii_lowercase()) == key
}

/// A port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The `p2p-server` binary beside the running executable (same profile), or
/// `P2P_MEMGUARD_SERVER`.
pub fn sibling_server_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("P2P_MEMGUARD_SERVER") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("current executable");
    let dir = exe.parent().expect("executable directory");
    let candidate = dir.join("p2p-server");
    if candidate.exists() {
        return candidate;
    }
    // Test binaries live one level down, in deps/.
    dir.parent()
        .map(|d| d.join("p2p-server"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "no p2p-server binary beside {}: build it first (cargo build -p p2p-server)",
                exe.display()
            )
        })
}
