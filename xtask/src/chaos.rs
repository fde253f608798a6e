//! `cargo xtask chaos [--hold-secs N] [--backends postgres,redis,mongodb,s3,smtp] [--sockets N]`:
//! the fault drill. Finds (installing what is missing) the programs `cargo xtask services`
//! runs, builds the workspace binaries and runs `p2p-chaos` (tests/chaos), which starts its
//! own PostgreSQL cluster, Redis, MongoDB-compatible server, S3 server and SMTP sink on spare
//! ports in a temporary directory, a full-stack `p2p-server` on them, a steady mixed load, and
//! stops and freezes each chosen backend in turn. Nothing of the shared services is touched.
//! The drill learns the services from here (`P2P_CHAOS_SERVICES`: one line per service, its
//! name, port and program, tab-separated) and their URLs from [`services::test_env_on_ports`].
//!
//! `cargo xtask test` runs a bounded form ([`CI_ARGS`]).

use anyhow::{Context, Result, bail};
use std::process::{Command, ExitCode};

use crate::cmd;
use crate::frontend;
use crate::services::{self, Layout};

const USAGE: &str =
    "cargo xtask chaos [--hold-secs N] [--backends postgres,redis,mongodb,s3,smtp] [--sockets N]";

/// The bounded drill of `cargo xtask test`: every backend, both faults, 5 s holds, 50 sockets.
pub const CI_ARGS: [&str; 4] = ["--hold-secs", "5", "--sockets", "50"];

struct Options {
    hold_secs: u64,
    backends: Vec<String>,
    sockets: u64,
}

pub fn command(args: &[String]) -> Result<ExitCode> {
    Ok(match drill(args)? {
        true => ExitCode::SUCCESS,
        false => ExitCode::FAILURE,
    })
}

/// The bounded drill ([`CI_ARGS`]) as a step that fails when the drill does.
pub fn ci() -> Result<()> {
    let args: Vec<String> = CI_ARGS.iter().map(|a| (*a).to_owned()).collect();
    match drill(&args)? {
        true => Ok(()),
        false => bail!("the fault drill found violations (see above)"),
    }
}

/// Runs the drill; whether it passed.
fn drill(args: &[String]) -> Result<bool> {
    let options = parse(args)?;
    let layout = Layout::from_env()?;
    let programs = services::programs(&layout)?;
    let server = frontend::server_binary()?;
    let dir = std::env::temp_dir().join(format!("p2p-chaos-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let ports = free_ports()?;
    let manifest: Vec<String> = services::names()
        .iter()
        .zip(ports)
        .zip(programs.in_order())
        .map(|((name, port), program)| format!("{name}\t{port}\t{}", program.display()))
        .collect();
    let mut chaos = Command::new(server.with_file_name("p2p-chaos"));
    chaos
        .envs(services::test_env_on_ports(&layout, ports))
        .env("P2P_TEST_BACKEND", "full")
        .env("P2P_MEMGUARD_SERVER", &server)
        .env("P2P_CHAOS_DIR", &dir)
        .env("P2P_CHAOS_HOLD_SECS", options.hold_secs.to_string())
        .env("P2P_CHAOS_BACKENDS", options.backends.join(","))
        .env("P2P_CHAOS_SOCKETS", options.sockets.to_string())
        .env("P2P_CHAOS_SERVICES", manifest.join("\n"))
        .env("P2P_TEST_MAILDIR", dir.join("maildir"));
    let status = cmd::status(&mut chaos)?;
    if status.success() {
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(true);
    }
    eprintln!(
        "xtask: the drill's services, server log and data are kept in {}",
        dir.display()
    );
    Ok(false)
}

fn parse(args: &[String]) -> Result<Options> {
    let names = services::names();
    let mut options = Options {
        hold_secs: 30,
        backends: names.iter().map(|b| (*b).to_owned()).collect(),
        sockets: 100,
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--hold-secs" => options.hold_secs = number(rest.next(), "--hold-secs")?,
            "--sockets" => options.sockets = number(rest.next(), "--sockets")?,
            "--backends" => {
                let list = rest.next().context("--backends needs a list")?;
                let mut chosen = Vec::new();
                for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    if !names.contains(&name) {
                        bail!(
                            "unknown backend {name:?} (one of {}): {USAGE}",
                            names.join(",")
                        );
                    }
                    if !chosen.iter().any(|c| c == name) {
                        chosen.push(name.to_owned());
                    }
                }
                if chosen.is_empty() {
                    bail!("--backends needs at least one backend: {USAGE}");
                }
                options.backends = chosen;
            }
            other => bail!("unknown argument {other:?}: {USAGE}"),
        }
    }
    Ok(options)
}

fn number(value: Option<&String>, flag: &str) -> Result<u64> {
    let value = value.with_context(|| format!("{flag} needs a number"))?;
    value
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .with_context(|| format!("{flag} must be a positive whole number, not {value:?}"))
}

/// Five ports nothing listens on (bound at once, so they differ, then released).
fn free_ports() -> Result<[u16; 5]> {
    let listeners = (0..5)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()
        .context("finding spare ports")?;
    let mut ports = [0u16; 5];
    for (port, listener) in ports.iter_mut().zip(&listeners) {
        *port = listener.local_addr().context("a spare port")?.port();
    }
    Ok(ports)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn options_default_to_every_backend_for_30_seconds() -> Result<()> {
        let options = parse(&[])?;
        assert_eq!((options.hold_secs, options.sockets), (30, 100));
        assert_eq!(options.backends, services::names());
        let options = parse(&args(&[
            "--hold-secs",
            "5",
            "--backends",
            "redis, postgres,redis",
        ]))?;
        assert_eq!(options.hold_secs, 5);
        assert_eq!(options.backends, ["redis", "postgres"]);
        let ci: Vec<String> = args(&CI_ARGS);
        let options = parse(&ci)?;
        assert_eq!((options.hold_secs, options.sockets), (5, 50));
        assert!(parse(&args(&["--backends", "mysql"])).is_err());
        assert!(parse(&args(&["--hold-secs", "0"])).is_err());
        assert!(parse(&args(&["--backends", ","])).is_err());
        Ok(())
    }
}
