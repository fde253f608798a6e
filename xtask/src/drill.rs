//! What the drills (`cargo xtask chaos`, `cargo xtask fleet`) share: the programs
//! `cargo xtask services` runs (installing what is missing), the workspace binaries, a fresh
//! directory and spare ports, and the drill's binary (built beside `p2p-server`) told all of
//! it: `P2P_CHAOS_SERVICES` (one line per service, its name, port and program, tab-separated),
//! the services' URLs ([`services::test_env_on_ports`]), `P2P_CHAOS_DIR` (their data and logs,
//! the servers' logs) and the server binary. The shared services are never touched.

use anyhow::{Context, Result};
use std::path::PathBuf;
use std::process::Command;

use crate::frontend;
use crate::services::{self, Layout};
use crate::{bench, cmd};

/// How a drill's binaries are built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Build {
    /// The workspace's debug binaries (quick to build; what `cargo xtask test` runs).
    Debug,
    /// The server and the drill with the benchmarks' `perf` profile (`--optimized`): the
    /// figures of an optimized build, as a deployment runs it.
    Optimized,
}

impl Build {
    /// `--optimized` among a drill's arguments selects [`Build::Optimized`]; the rest are
    /// returned for the drill's own parser.
    pub fn from_args(args: &[String]) -> (Self, Vec<String>) {
        let optimized = args.iter().any(|a| a == "--optimized");
        let rest = args.iter().filter(|a| *a != "--optimized").cloned();
        let build = if optimized {
            Self::Optimized
        } else {
            Self::Debug
        };
        (build, rest.collect())
    }

    /// Builds `p2p-server` and the drill binary `drill`; returns the server's path (the
    /// drill's sits beside it).
    fn server_and(self, drill: &str) -> Result<PathBuf> {
        if self == Self::Debug {
            return frontend::server_binary();
        }
        let mut build = cmd::cargo();
        build.args(["build", "--locked", "--profile", bench::PROFILE]);
        build.args([
            "-p",
            "p2p-server",
            "--bin",
            "p2p-server",
            "-p",
            "p2p-tests",
            "--bin",
            drill,
        ]);
        cmd::run(&mut build)?;
        let dir = cmd::target_dir(&cmd::metadata()?)?.join(bench::PROFILE);
        Ok(dir.join("p2p-server"))
    }
}

/// A drill ready to run: its command and its directory.
pub struct Drill {
    pub command: Command,
    pub dir: PathBuf,
}

impl Drill {
    /// The drill binary `binary`, built as `build` says, with its services' environment, in
    /// a fresh directory named after `label`.
    pub fn prepare(binary: &str, label: &str, build: Build) -> Result<Self> {
        let layout = Layout::from_env()?;
        let programs = services::programs(&layout)?;
        let server = build.server_and(binary)?;
        let dir = std::env::temp_dir().join(format!("p2p-{label}-{}", std::process::id()));
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
        let mut command = Command::new(server.with_file_name(binary));
        command
            .envs(services::test_env_on_ports(&layout, ports))
            .env("P2P_TEST_BACKEND", "full")
            .env("P2P_MEMGUARD_SERVER", &server)
            .env("P2P_CHAOS_DIR", &dir)
            .env("P2P_CHAOS_SERVICES", manifest.join("\n"))
            .env("P2P_TEST_MAILDIR", dir.join("maildir"));
        Ok(Self { command, dir })
    }

    /// Runs it; whether it passed. Its directory is removed when it did, kept (and named)
    /// when it did not.
    pub fn run(mut self) -> Result<bool> {
        let status = cmd::status(&mut self.command)?;
        if status.success() {
            let _ = std::fs::remove_dir_all(&self.dir);
            return Ok(true);
        }
        eprintln!(
            "xtask: the drill's services, server logs and data are kept in {}",
            self.dir.display()
        );
        Ok(false)
    }
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

/// A drill option's value: a positive whole number, or an error naming `flag`.
pub fn positive_number(value: &str, flag: &str) -> Result<u64> {
    value
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .with_context(|| format!("{flag} must be a positive whole number, not {value:?}"))
}

#[cfg(test)]
mod tests {
    use super::Build;

    #[test]
    fn optimized_is_taken_out_of_the_drills_arguments() {
        let args: Vec<String> = ["--sockets", "50", "--optimized"]
            .iter()
            .map(|a| (*a).to_owned())
            .collect();
        let (build, rest) = Build::from_args(&args);
        assert_eq!(build, Build::Optimized);
        assert_eq!(rest, ["--sockets", "50"]);
        let (build, rest) = Build::from_args(&rest);
        assert_eq!((build, rest.len()), (Build::Debug, 2));
    }
}
