//! `cargo xtask services [up|down|status]`: the services the full-stack tests talk to, on
//! 127.0.0.1, installed and started when missing. A service whose port already answers is used
//! as it is and never stopped; `down` stops only what `up` started (recorded in `state.json`).

pub(crate) mod install;
mod lock;
mod postgres;
mod process;
mod state;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::cmd;
use install::Installer;
use state::{Started, State};

pub const S3_ACCESS_KEY: &str = "p2p-test-key";
pub const S3_SECRET_KEY: &str = "p2p-test-secret";

/// Where the services keep their data, logs and state, and where the Python venv lives.
pub struct Layout {
    /// `$P2P_SERVICES_DIR`, else `$HOME/.cache/p2p-sandbox/services` (made absolute).
    pub dir: PathBuf,
    /// Always the sibling `venv` of `dir`.
    pub venv: PathBuf,
    /// `$P2P_TEST_SERVICES_PORT_OFFSET` (default 0), added to every port: lets a second set of
    /// services (e.g. to test xtask itself) run beside the usual one.
    pub port_offset: u16,
}

impl Layout {
    pub fn from_env() -> Result<Self> {
        let dir = match std::env::var_os("P2P_SERVICES_DIR").filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => {
                let home = std::env::var_os("HOME")
                    .filter(|v| !v.is_empty())
                    .context("neither P2P_SERVICES_DIR nor HOME is set")?;
                PathBuf::from(home).join(".cache/p2p-sandbox/services")
            }
        };
        let dir = if dir.is_absolute() {
            dir
        } else {
            std::env::current_dir()
                .context("reading the current directory")?
                .join(dir)
        };
        let venv = dir
            .parent()
            .with_context(|| format!("services dir {} has no parent", dir.display()))?
            .join("venv");
        let port_offset = match std::env::var("P2P_TEST_SERVICES_PORT_OFFSET") {
            Ok(text) if !text.is_empty() => text
                .parse()
                .context("P2P_TEST_SERVICES_PORT_OFFSET must be a number")?,
            _ => 0,
        };
        for service in Service::ALL {
            service
                .base_port()
                .checked_add(port_offset)
                .with_context(|| {
                    format!("P2P_TEST_SERVICES_PORT_OFFSET {port_offset} is too large")
                })?;
        }
        Ok(Self {
            dir,
            venv,
            port_offset,
        })
    }

    fn port(&self, service: Service) -> u16 {
        service.base_port().saturating_add(self.port_offset)
    }

    pub fn maildir(&self) -> PathBuf {
        self.dir.join("maildir")
    }

    fn log(&self, service: Service) -> PathBuf {
        match service {
            Service::Postgres => postgres::log_hint(),
            other => self.dir.join(format!("{}.log", other.name())),
        }
    }
}

/// The environment the test suites read to find the services.
pub fn test_env(layout: &Layout) -> Vec<(&'static str, String)> {
    test_env_on(layout, Service::base_port)
}

/// The names of the services (as `cargo xtask services` takes them), in the order they start.
pub fn names() -> [&'static str; 5] {
    Service::ALL.map(Service::name)
}

/// [`test_env`] for the services on `ports` (in the order of [`names`]), such as the fault
/// drill's private ones.
pub fn test_env_on_ports(layout: &Layout, ports: [u16; 5]) -> Vec<(&'static str, String)> {
    test_env_on(layout, |service| {
        let index = Service::ALL.iter().position(|s| *s == service);
        index.map_or(0, |i| ports[i])
    })
}

fn test_env_on(layout: &Layout, port: impl Fn(Service) -> u16) -> Vec<(&'static str, String)> {
    vec![
        (
            "P2P_TEST_POSTGRES_URL",
            format!(
                "postgres://postgres@127.0.0.1:{}/postgres",
                port(Service::Postgres)
            ),
        ),
        (
            "P2P_TEST_REDIS_URL",
            format!("redis://127.0.0.1:{}", port(Service::Redis)),
        ),
        (
            "P2P_TEST_MONGODB_URL",
            format!("mongodb://127.0.0.1:{}", port(Service::MongoDb)),
        ),
        (
            "P2P_TEST_S3_ENDPOINT",
            format!("http://127.0.0.1:{}", port(Service::S3)),
        ),
        ("P2P_TEST_S3_ACCESS_KEY", S3_ACCESS_KEY.to_owned()),
        ("P2P_TEST_S3_SECRET_KEY", S3_SECRET_KEY.to_owned()),
        (
            "P2P_TEST_SMTP_URL",
            format!("smtp://127.0.0.1:{}", port(Service::Smtp)),
        ),
        (
            "P2P_TEST_MAILDIR",
            layout.maildir().to_string_lossy().into_owned(),
        ),
        (
            "P2P_SERVICES_DIR",
            layout.dir.to_string_lossy().into_owned(),
        ),
    ]
}

/// The programs `up` starts, installed when missing: what `cargo xtask chaos` runs privately.
pub struct Programs {
    /// PostgreSQL's server binaries (`initdb`, `postgres`): `/usr/lib/postgresql/<newest>/bin`.
    pub postgres_bin: PathBuf,
    pub redis: PathBuf,
    pub mongodb: PathBuf,
    pub s3: PathBuf,
    pub smtp: PathBuf,
}

impl Programs {
    /// Each service's program, in the order of [`names`] (PostgreSQL: its binaries' directory).
    pub fn in_order(&self) -> [&Path; 5] {
        Service::ALL.map(|service| match service {
            Service::Postgres => self.postgres_bin.as_path(),
            Service::Redis => self.redis.as_path(),
            Service::MongoDb => self.mongodb.as_path(),
            Service::S3 => self.s3.as_path(),
            Service::Smtp => self.smtp.as_path(),
        })
    }
}

/// Finds (installing what is missing) every service's program.
pub fn programs(layout: &Layout) -> Result<Programs> {
    let mut installer = Installer::default();
    Ok(Programs {
        postgres_bin: postgres::server_bin_dir(&mut installer)?,
        redis: program(Service::Redis, layout, &mut installer)?,
        mongodb: program(Service::MongoDb, layout, &mut installer)?,
        s3: program(Service::S3, layout, &mut installer)?,
        smtp: program(Service::Smtp, layout, &mut installer)?,
    })
}

/// The program a (non-PostgreSQL) service runs, installed when missing.
fn program(service: Service, layout: &Layout, installer: &mut Installer) -> Result<PathBuf> {
    match service {
        Service::Redis => installer.ensure_apt_program("redis-server", "redis-server"),
        Service::MongoDb => {
            installer.ensure_venv_tool(&layout.venv, "secantusd-py", &["--pre", "secantusdb"])
        }
        Service::S3 => installer.ensure_s3s_fs(),
        Service::Smtp => installer.ensure_venv_tool(&layout.venv, "aiosmtpd", &["aiosmtpd"]),
        Service::Postgres => bail!("PostgreSQL has several programs: see postgres::server_bin_dir"),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Service {
    Postgres,
    Redis,
    MongoDb,
    S3,
    Smtp,
}

impl Service {
    const ALL: [Self; 5] = [
        Self::Postgres,
        Self::Redis,
        Self::MongoDb,
        Self::S3,
        Self::Smtp,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Redis => "redis",
            Self::MongoDb => "mongodb",
            Self::S3 => "s3",
            Self::Smtp => "smtp",
        }
    }

    fn base_port(self) -> u16 {
        match self {
            Self::Postgres => 5432,
            Self::Redis => 6379,
            Self::MongoDb => 27017,
            Self::S3 => 9000,
            Self::Smtp => 1025,
        }
    }

    /// How long a fresh start may take before it counts as failed.
    fn start_deadline(self) -> Duration {
        Duration::from_secs(match self {
            Self::Postgres | Self::MongoDb => 60,
            Self::Redis | Self::S3 => 15,
            Self::Smtp => 30,
        })
    }

    /// A word that the command line of the process xtask started contains.
    fn process_hint(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Redis => "redis-server",
            Self::MongoDb => "secantusd-py",
            Self::S3 => "s3s-fs",
            Self::Smtp => "aiosmtpd",
        }
    }
}

pub fn command(args: &[String]) -> Result<()> {
    const USAGE: &str =
        "usage: cargo xtask services [up|down|status] [postgres|redis|mongodb|s3|smtp]...";
    let layout = Layout::from_env()?;
    let (action, names) = match args.split_first() {
        None => ("up", &[][..]),
        Some((action, names)) => (action.as_str(), names),
    };
    let mut selected = Vec::new();
    for name in names {
        let service = Service::ALL
            .into_iter()
            .find(|service| service.name() == name)
            .with_context(|| format!("unknown service `{name}`; {USAGE}"))?;
        selected.push(service);
    }
    if selected.is_empty() {
        selected = Service::ALL.to_vec();
    }
    // Always in the canonical order (down reverses it), each once.
    selected.sort_by_key(|service| Service::ALL.iter().position(|s| s == service));
    selected.dedup();
    match action {
        "up" => up_only(&layout, &selected),
        "down" => down_only(&layout, &selected),
        "status" => status(&layout, &selected),
        _ => bail!(USAGE),
    }
}

/// Makes every service answer on its port, starting (and installing) what does not.
pub fn up(layout: &Layout) -> Result<()> {
    up_only(layout, &Service::ALL)
}

fn up_only(layout: &Layout, services: &[Service]) -> Result<()> {
    std::fs::create_dir_all(&layout.dir)
        .with_context(|| format!("creating {}", layout.dir.display()))?;
    let _lock = lock::Lock::acquire(&layout.dir)?;
    let mut state = State::load(&layout.dir)?;
    let mut installer = Installer::default();
    println!("services in {}", layout.dir.display());
    for &service in services {
        let line = up_one(service, layout, &mut state, &mut installer)?;
        print_line(layout, service, &line);
    }
    Ok(())
}

fn up_one(
    service: Service,
    layout: &Layout,
    state: &mut State,
    installer: &mut Installer,
) -> Result<String> {
    let name = service.name();
    let recorded = state.get(name).cloned();
    let alive = recorded
        .as_ref()
        .is_some_and(|started| started.is_alive(service.process_hint()));
    if process::port_answers(layout.port(service)) {
        return Ok(match recorded {
            Some(started) if alive => format!(
                "up, started by xtask: {}",
                describe(&started, layout, service)
            ),
            _ => {
                forget(state, name)?;
                "up, not started by xtask (left alone)".to_owned()
            }
        });
    }
    if let Some(Started::Pid(pid)) = recorded {
        if alive {
            // Ours but not answering: maybe still starting, maybe hung. Give it its deadline.
            let log = layout.log(service);
            process::wait_for_port(
                name,
                layout.port(service),
                service.start_deadline(),
                &log,
                None,
            )
            .with_context(|| {
                format!(
                    "{name} (pid {pid}, started by xtask) runs but does not answer; \
                         run `cargo xtask services down` and look at {}",
                    log.display()
                )
            })?;
            return Ok(format!("up, started by xtask (pid {pid})"));
        }
        forget(state, name)?;
    }

    let started_at = Instant::now();
    let Some(started) = start(service, layout, state, installer)? else {
        return Ok("up, came up meanwhile, not started by xtask (left alone)".to_owned());
    };
    let line = format!(
        "started in {}: {}",
        cmd::seconds(started_at.elapsed()),
        describe(&started, layout, service)
    );
    state.set(name, started);
    state.save()?;
    Ok(line)
}

/// Starts one service whose port does not answer and waits until it does. `None` when it
/// answers but not thanks to us: its package installation started it (Debian's redis-server
/// may), or a concurrent `services up` did.
fn start(
    service: Service,
    layout: &Layout,
    state: &mut State,
    installer: &mut Installer,
) -> Result<Option<Started>> {
    let name = service.name();
    let port = layout.port(service);
    let deadline = service.start_deadline();
    let log = layout.log(service);
    match service {
        Service::Postgres => postgres::start(installer, port, deadline).map(Some),
        Service::Redis => {
            let program = program(service, layout, installer)?;
            if process::port_answers(port) {
                return Ok(None);
            }
            let pidfile = layout.dir.join("redis.pid");
            // A stale pid file from an earlier run must not be mistaken for this one's.
            if pidfile.exists() {
                std::fs::remove_file(&pidfile)
                    .with_context(|| format!("removing {}", pidfile.display()))?;
            }
            let mut command = std::process::Command::new(program);
            command
                .args(["--daemonize", "yes", "--bind", "127.0.0.1"])
                .args([
                    "--port",
                    &port.to_string(),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .arg("--pidfile")
                .arg(&pidfile)
                .arg("--logfile")
                .arg(&log)
                .arg("--dir")
                .arg(&layout.dir)
                .current_dir(&layout.dir);
            process::log_header(&log, &command)?;
            cmd::run(&mut command)?;
            process::wait_for_port(name, port, deadline, &log, None)?;
            let pid = process::read_pidfile(&pidfile, Duration::from_secs(5))?;
            Ok(Some(Started::Pid(pid)))
        }
        Service::MongoDb => {
            let program = program(service, layout, installer)?;
            let storage = layout.dir.join("mongo");
            std::fs::create_dir_all(&storage)
                .with_context(|| format!("creating {}", storage.display()))?;
            let mut command = std::process::Command::new(program);
            command
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .arg("--storage-path")
                .arg(&storage);
            spawn_and_record(service, layout, state, command, &log)
        }
        Service::S3 => {
            let program = program(service, layout, installer)?;
            let root = layout.dir.join("s3");
            std::fs::create_dir_all(&root)
                .with_context(|| format!("creating {}", root.display()))?;
            let mut command = std::process::Command::new(program);
            command
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .args(["--access-key", S3_ACCESS_KEY, "--secret-key", S3_SECRET_KEY])
                .arg(&root);
            spawn_and_record(service, layout, state, command, &log)
        }
        Service::Smtp => {
            let program = program(service, layout, installer)?;
            // The Mailbox handler creates the maildir (with cur/ new/ tmp/) only when it does
            // not exist yet, so it is never created here; one that exists without its
            // subdirectories (made by hand) gets them, or every delivery would fail.
            let maildir = layout.maildir();
            if maildir.is_dir() {
                for sub in ["cur", "new", "tmp"] {
                    std::fs::create_dir_all(maildir.join(sub))
                        .with_context(|| format!("creating {}/{sub}", maildir.display()))?;
                }
            }
            let mut command = std::process::Command::new(program);
            command
                .args(["-n", "-l", &format!("127.0.0.1:{port}")])
                .args(["-c", "aiosmtpd.handlers.Mailbox"])
                .arg(&maildir);
            spawn_and_record(service, layout, state, command, &log)
        }
    }
}

/// Spawns a long-running service in the background, records its pid at once (so `down` finds
/// it even if xtask is interrupted), then waits for its port; on failure it is stopped again.
fn spawn_and_record(
    service: Service,
    layout: &Layout,
    state: &mut State,
    mut command: std::process::Command,
    log: &Path,
) -> Result<Option<Started>> {
    let name = service.name();
    let port = layout.port(service);
    command.current_dir(&layout.dir);
    let mut child = process::spawn_background(&mut command, log)?;
    let pid = child.id();
    state.set(name, Started::Pid(pid));
    state.save()?;
    let ready = process::wait_for_port(name, port, service.start_deadline(), log, Some(&mut child));
    let running = matches!(child.try_wait(), Ok(None));
    if ready.is_ok() && running {
        return Ok(Some(Started::Pid(pid)));
    }
    let _ = child.kill();
    let _ = child.wait();
    forget(state, name)?;
    // Another `cargo xtask services up` may have started the same service meanwhile, so ours
    // could not bind the port: theirs serves, and it is theirs to stop.
    if process::port_answers(port) {
        return Ok(None);
    }
    ready?;
    bail!("{name} exited right after answering; see {}", log.display())
}

/// Stops, in reverse order, what xtask started; leaves everything else running.
fn down_only(layout: &Layout, services: &[Service]) -> Result<()> {
    let _lock = if layout.dir.is_dir() {
        Some(lock::Lock::acquire(&layout.dir)?)
    } else {
        None
    };
    let mut state = State::load(&layout.dir)?;
    let mut failures = Vec::new();
    for &service in services.iter().rev() {
        let name = service.name();
        let line = match state.get(name).cloned() {
            None if process::port_answers(layout.port(service)) => {
                "up, not started by xtask (left alone)".to_owned()
            }
            None => "down".to_owned(),
            Some(started) => match started.stop(service.process_hint()) {
                Ok(true) => {
                    forget(&mut state, name)?;
                    "stopped".to_owned()
                }
                Ok(false) => {
                    forget(&mut state, name)?;
                    "already gone (forgotten)".to_owned()
                }
                Err(err) => {
                    failures.push(format!("{name}: {err:#}"));
                    format!("could not stop: {err:#}")
                }
            },
        };
        print_line(layout, service, &line);
    }
    if !failures.is_empty() {
        bail!("some services did not stop: {}", failures.join("; "));
    }
    Ok(())
}

fn status(layout: &Layout, services: &[Service]) -> Result<()> {
    let state = State::load(&layout.dir)?;
    println!("services in {}", layout.dir.display());
    for &service in services {
        let recorded = state.get(service.name());
        let alive = recorded.is_some_and(|started| started.is_alive(service.process_hint()));
        let line = match (process::port_answers(layout.port(service)), recorded) {
            (true, Some(started)) if alive => format!(
                "up, started by xtask: {}",
                describe(started, layout, service)
            ),
            (true, _) => "up, not started by xtask".to_owned(),
            (false, Some(started)) if alive => {
                format!(
                    "NOT ANSWERING, started by xtask: {}",
                    describe(started, layout, service)
                )
            }
            (false, _) => "down".to_owned(),
        };
        print_line(layout, service, &line);
    }
    Ok(())
}

fn describe(started: &Started, layout: &Layout, service: Service) -> String {
    let log = layout.log(service);
    match started {
        Started::Pid(pid) => format!("pid {pid}, log {}", log.display()),
        Started::PgCluster { version, cluster } => format!(
            "cluster {version}/{cluster}, log {}",
            postgres::log_path(version, cluster).display()
        ),
    }
}

fn forget(state: &mut State, name: &str) -> Result<()> {
    if state.remove(name) {
        state.save()?;
    }
    Ok(())
}

fn print_line(layout: &Layout, service: Service, line: &str) {
    let address = format!("127.0.0.1:{}", layout.port(service));
    println!("  {:<9} {address:<16} {line}", service.name());
}
