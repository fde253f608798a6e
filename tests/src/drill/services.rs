//! The drill's private backends: one process group each, started from the programs
//! `cargo xtask chaos` found, on the ports it chose (both in `P2P_CHAOS_SERVICES`: a line per
//! service, its name as `cargo xtask services` names it, its port and its program,
//! tab-separated), with their data in the drill's directory. Each can be stopped and started
//! again on the same data, or frozen (SIGSTOP to its whole process group: it keeps its sockets
//! open and answers nothing) and thawed.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One of the five backends of the full stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Redis,
    MongoDb,
    S3,
    Smtp,
}

impl Backend {
    /// Its name, as `cargo xtask services` (and `--backends`) names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Redis => "redis",
            Self::MongoDb => "mongodb",
            Self::S3 => "s3",
            Self::Smtp => "smtp",
        }
    }

    /// The backend named `name` (see [`Backend::label`]).
    pub fn named(name: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|b| b.label() == name)
            .unwrap_or_else(|| panic!("unknown backend {name:?}"))
    }

    /// Its name in `/health/ready`'s checks.
    pub fn probe(self) -> &'static str {
        match self {
            Self::Postgres => "database",
            other => other.label(),
        }
    }

    pub const ALL: [Self; 5] = [
        Self::Postgres,
        Self::Redis,
        Self::MongoDb,
        Self::S3,
        Self::Smtp,
    ];
}

fn env(key: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| {
        panic!("{key} is not set: run `cargo xtask chaos` or `cargo xtask fleet`")
    })
}

/// Each service of `P2P_CHAOS_SERVICES`: the backend, its port and its program.
pub fn manifest() -> Vec<(Backend, u16, PathBuf)> {
    env("P2P_CHAOS_SERVICES")
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let [name, port, program] = fields[..] else {
                panic!("P2P_CHAOS_SERVICES: {line:?} is not name, port and program");
            };
            let port = port
                .parse()
                .unwrap_or_else(|_| panic!("P2P_CHAOS_SERVICES: no port in {line:?}"));
            (Backend::named(name), port, PathBuf::from(program))
        })
        .collect()
}

/// A running (or stopped, or frozen) private backend.
pub struct Private {
    pub backend: Backend,
    pub port: u16,
    program: PathBuf,
    dir: PathBuf,
    child: Option<Child>,
}

impl Private {
    /// Prepares its data directory (PostgreSQL: `initdb`) and starts `program` on `port`.
    pub async fn start(backend: Backend, port: u16, program: PathBuf, root: &Path) -> Self {
        let mut service = Self {
            backend,
            port,
            program,
            dir: root.join(backend.label()),
            child: None,
        };
        std::fs::create_dir_all(&service.dir).expect("service directory");
        if backend == Backend::Postgres {
            service.initdb();
        }
        service.resume().await;
        service
    }

    /// Starts the process again on the same port and data and waits until the port answers.
    pub async fn resume(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.with_extension("log"))
            .expect("service log");
        let mut command = self.command();
        command
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("service log"))
            .stderr(log)
            .process_group(0);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", self.backend.label()));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "{} did not answer on port {} within 60 s (log {})",
                self.backend.label(),
                self.port,
                self.dir.with_extension("log").display()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn command(&self) -> Command {
        let port = self.port.to_string();
        let dir = &self.dir;
        match self.backend {
            Backend::Postgres => {
                let mut command = Command::new(self.program.join("postgres"));
                command
                    .arg("-D")
                    .arg(dir.join("data"))
                    .args(["-p", &port, "-h", "127.0.0.1", "-k"])
                    .arg(dir)
                    .args(["-c", "max_connections=200"]);
                as_postgres_user(&mut command);
                command
            }
            Backend::Redis => {
                let mut command = Command::new(&self.program);
                command
                    .args(["--bind", "127.0.0.1", "--port", &port])
                    .args(["--save", "", "--appendonly", "no", "--dir"])
                    .arg(dir);
                command
            }
            Backend::MongoDb => {
                let mut command = Command::new(&self.program);
                command
                    .args(["--host", "127.0.0.1", "--port", &port, "--storage-path"])
                    .arg(dir);
                command
            }
            Backend::S3 => {
                let mut command = Command::new(&self.program);
                command
                    .args(["--host", "127.0.0.1", "--port", &port])
                    .args(["--access-key", &env("P2P_TEST_S3_ACCESS_KEY")])
                    .args(["--secret-key", &env("P2P_TEST_S3_SECRET_KEY")])
                    .arg(dir);
                command
            }
            Backend::Smtp => {
                let mut command = Command::new(&self.program);
                command
                    .args(["-n", "-l", &format!("127.0.0.1:{port}")])
                    .args(["-c", "aiosmtpd.handlers.Mailbox"])
                    .arg(env("P2P_TEST_MAILDIR"));
                command
            }
        }
    }

    /// A fresh cluster with trust authentication for `postgres`, owned by the `postgres`
    /// account when the drill runs as root (the server refuses to run as root).
    fn initdb(&self) {
        let data = self.dir.join("data");
        if let Some((uid, gid)) = postgres_account() {
            std::os::unix::fs::chown(&self.dir, Some(uid), Some(gid)).expect("chown");
        }
        let mut command = Command::new(self.program.join("initdb"));
        command
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"])
            .stdout(Stdio::null());
        as_postgres_user(&mut command);
        let status = command.status().expect("initdb");
        assert!(status.success(), "initdb failed ({status})");
    }

    /// Stops it: PostgreSQL's fast shutdown (SIGINT), SIGTERM for the others; SIGKILL to the
    /// group after 15 s. Clients then find the port refusing.
    pub fn stop(&mut self) {
        self.signal_all("-CONT");
        let Some(mut child) = self.child.take() else {
            return;
        };
        let signal = match self.backend {
            Backend::Postgres => "-INT",
            _ => "-TERM",
        };
        signal_group(child.id(), signal);
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if matches!(child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        signal_group(child.id(), "-KILL");
        let _ = child.wait();
    }

    /// Freezes the process group and the leader's children (PostgreSQL's backends each lead a
    /// session of their own) with SIGSTOP: connections stay open and nothing answers.
    pub fn freeze(&self) {
        self.signal_all("-STOP");
    }

    pub fn thaw(&self) {
        self.signal_all("-CONT");
    }

    fn signal_all(&self, signal: &str) {
        if let Some(child) = &self.child {
            signal_group(child.id(), signal);
            for pid in children(child.id()) {
                let _ = Command::new("kill")
                    .args([signal, &pid.to_string()])
                    .stderr(Stdio::null())
                    .status();
            }
        }
    }
}

impl Drop for Private {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `kill <signal> -- -<pgid>` (the group the service leads), ignoring a group already gone.
fn signal_group(pgid: u32, signal: &str) {
    let _ = Command::new("kill")
        .args([signal, "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
}

/// The processes whose parent is `pid` (from /proc/<pid>/stat: the field after the state).
fn children(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let child: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let (_, rest) = stat.rsplit_once(')')?;
            let parent: u32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            (parent == pid).then_some(child)
        })
        .collect()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The `postgres` account's uid and gid from /etc/passwd, when running as root.
fn postgres_account() -> Option<(u32, u32)> {
    if !is_root() {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let found = passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.first() == Some(&"postgres"))
            .then(|| Some((fields.get(2)?.parse().ok()?, fields.get(3)?.parse().ok()?)))
            .flatten()
    });
    Some(found.expect("running as root needs a `postgres` account to run PostgreSQL"))
}

fn as_postgres_user(command: &mut Command) {
    if let Some((uid, gid)) = postgres_account() {
        command.uid(uid).gid(gid);
    }
}
