//! Processes and ports: readiness by TCP connect, background spawning, pid checks, stopping.

use std::fs::OpenOptions;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use crate::cmd;

const POLL: Duration = Duration::from_millis(100);

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
pub fn port_answers(port: u16) -> bool {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    TcpStream::connect_timeout(&address, Duration::from_millis(500)).is_ok()
}

/// Polls the port every 100 ms until it answers; fails at the deadline, or as soon as `child`
/// (when given) exits, naming the service and its log file.
pub fn wait_for_port(
    name: &str,
    port: u16,
    deadline: Duration,
    log: &Path,
    mut child: Option<&mut Child>,
) -> Result<()> {
    let started = Instant::now();
    loop {
        if port_answers(port) {
            return Ok(());
        }
        if let Some(child) = child.as_deref_mut()
            && let Some(status) = child.try_wait().context("checking on a started service")?
        {
            bail!(
                "{name} exited ({status}) before answering on 127.0.0.1:{port}; see {}",
                log.display()
            );
        }
        if started.elapsed() >= deadline {
            bail!(
                "{name} did not answer on 127.0.0.1:{port} within {}; see {}",
                cmd::seconds(deadline),
                log.display()
            );
        }
        std::thread::sleep(POLL);
    }
}

/// Appends a line saying what is being started, so a log shows which run wrote what.
pub fn log_header(log: &Path, command: &Command) -> Result<()> {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("opening {}", log.display()))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    writeln!(
        file,
        "=== cargo xtask services, unix time {now}: {}",
        cmd::display(command)
    )
    .with_context(|| format!("writing {}", log.display()))
}

/// Starts `command` detached from our process group (Ctrl-C on xtask does not reach it), with
/// stdin closed and stdout/stderr appended to `log`.
pub fn spawn_background(command: &mut Command, log: &Path) -> Result<Child> {
    log_header(log, command)?;
    let out = OpenOptions::new()
        .append(true)
        .open(log)
        .with_context(|| format!("opening {}", log.display()))?;
    let err = out
        .try_clone()
        .with_context(|| format!("opening {}", log.display()))?;
    command
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .spawn()
        .with_context(|| format!("starting `{}`", cmd::display(command)))
}

/// Reads a pid file written by a daemon, waiting for it to appear.
pub fn read_pidfile(path: &Path, deadline: Duration) -> Result<u32> {
    let started = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Ok(pid) = text.trim().parse()
        {
            return Ok(pid);
        }
        if started.elapsed() >= deadline {
            bail!(
                "no pid in {} after {}",
                path.display(),
                cmd::seconds(deadline)
            );
        }
        std::thread::sleep(POLL);
    }
}

/// Whether `pid` runs (not a zombie) and its command line contains `hint`.
pub fn pid_matches(pid: u32, hint: &str) -> bool {
    let proc = Path::new("/proc").join(pid.to_string());
    let Ok(stat) = std::fs::read_to_string(proc.join("stat")) else {
        return false;
    };
    // The state letter follows the parenthesised command name.
    let zombie = stat
        .rsplit_once(')')
        .is_some_and(|(_, rest)| rest.trim_start().starts_with(['Z', 'X']));
    if zombie {
        return false;
    }
    std::fs::read(proc.join("cmdline"))
        .map(|cmdline| String::from_utf8_lossy(&cmdline).contains(hint))
        .unwrap_or(false)
}

/// Stops `pid` if it is still the process we started: SIGTERM, then SIGKILL after 10 s.
/// `Ok(false)` when it was already gone.
pub fn terminate(pid: u32, hint: &str) -> Result<bool> {
    if !pid_matches(pid, hint) {
        return Ok(false);
    }
    for (signal, grace) in [
        ("-TERM", Duration::from_secs(10)),
        ("-KILL", Duration::from_secs(5)),
    ] {
        let status = Command::new("kill")
            .args([signal, &pid.to_string()])
            .stderr(Stdio::null())
            .status()
            .context("running `kill`")?;
        if !status.success() && pid_matches(pid, hint) {
            bail!("`kill {signal} {pid}` failed ({status})");
        }
        let started = Instant::now();
        while started.elapsed() < grace {
            if !pid_matches(pid, hint) {
                return Ok(true);
            }
            std::thread::sleep(POLL);
        }
    }
    bail!("pid {pid} ({hint}) is still running after SIGKILL")
}
