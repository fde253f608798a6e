//! `cargo xtask chaos [--hold-secs N] [--backends pg,redis,mongo,s3,smtp] [--sockets N]`:
//! the fault drill. Finds (installing what is missing) the programs `cargo xtask services`
//! runs, builds the workspace binaries and runs `p2p-chaos` (tests/chaos), which starts its
//! own PostgreSQL cluster, Redis, MongoDB-compatible server, S3 server and SMTP sink on spare
//! ports in a temporary directory, a full-stack `p2p-server` on them, a steady mixed load, and
//! stops and freezes each chosen backend in turn. Nothing of the shared services is touched.

use anyhow::{Context, Result, bail};
use std::process::{Command, ExitCode};

use crate::cmd;
use crate::frontend;
use crate::services::{self, Layout, S3_ACCESS_KEY, S3_SECRET_KEY};

const USAGE: &str =
    "cargo xtask chaos [--hold-secs N] [--backends pg,redis,mongo,s3,smtp] [--sockets N]";
const BACKENDS: [&str; 5] = ["pg", "redis", "mongo", "s3", "smtp"];

struct Options {
    hold_secs: u64,
    backends: Vec<String>,
    sockets: u64,
}

pub fn command(args: &[String]) -> Result<ExitCode> {
    let options = parse(args)?;
    let layout = Layout::from_env()?;
    let programs = services::programs(&layout)?;
    let server = frontend::server_binary()?;
    let dir = std::env::temp_dir().join(format!("p2p-chaos-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let [pg, redis, mongo, s3, smtp] = free_ports()?;
    let mut chaos = Command::new(server.with_file_name("p2p-chaos"));
    chaos
        .env("P2P_TEST_BACKEND", "full")
        .env("P2P_MEMGUARD_SERVER", &server)
        .env("P2P_CHAOS_DIR", &dir)
        .env("P2P_CHAOS_HOLD_SECS", options.hold_secs.to_string())
        .env("P2P_CHAOS_BACKENDS", options.backends.join(","))
        .env("P2P_CHAOS_SOCKETS", options.sockets.to_string())
        .env("P2P_CHAOS_POSTGRES_BIN", &programs.postgres_bin)
        .env("P2P_CHAOS_REDIS", &programs.redis)
        .env("P2P_CHAOS_MONGODB", &programs.mongodb)
        .env("P2P_CHAOS_S3", &programs.s3)
        .env("P2P_CHAOS_SMTP", &programs.smtp)
        .env(
            "P2P_TEST_POSTGRES_URL",
            format!("postgres://postgres@127.0.0.1:{pg}/postgres"),
        )
        .env("P2P_TEST_REDIS_URL", format!("redis://127.0.0.1:{redis}"))
        .env(
            "P2P_TEST_MONGODB_URL",
            format!("mongodb://127.0.0.1:{mongo}"),
        )
        .env("P2P_TEST_S3_ENDPOINT", format!("http://127.0.0.1:{s3}"))
        .env("P2P_TEST_S3_ACCESS_KEY", S3_ACCESS_KEY)
        .env("P2P_TEST_S3_SECRET_KEY", S3_SECRET_KEY)
        .env("P2P_TEST_SMTP_URL", format!("smtp://127.0.0.1:{smtp}"))
        .env("P2P_TEST_MAILDIR", dir.join("maildir"));
    let status = cmd::status(&mut chaos)?;
    if status.success() {
        let _ = std::fs::remove_dir_all(&dir);
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "xtask: the drill's services, server log and data are kept in {}",
        dir.display()
    );
    Ok(ExitCode::FAILURE)
}

fn parse(args: &[String]) -> Result<Options> {
    let mut options = Options {
        hold_secs: 30,
        backends: BACKENDS.iter().map(|b| (*b).to_owned()).collect(),
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
                    if !BACKENDS.contains(&name) {
                        bail!(
                            "unknown backend {name:?} (one of {}): {USAGE}",
                            BACKENDS.join(",")
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
        assert_eq!(options.backends, BACKENDS);
        let options = parse(&args(&[
            "--hold-secs",
            "5",
            "--backends",
            "redis, pg,redis",
        ]))?;
        assert_eq!(options.hold_secs, 5);
        assert_eq!(options.backends, ["redis", "pg"]);
        assert!(parse(&args(&["--backends", "mysql"])).is_err());
        assert!(parse(&args(&["--hold-secs", "0"])).is_err());
        assert!(parse(&args(&["--backends", ","])).is_err());
        Ok(())
    }
}
