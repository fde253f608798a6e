//! `cargo xtask chaos [--hold-secs N] [--backends postgres,redis,mongodb,s3,smtp] [--sockets N]
//! [--optimized]`:
//! the fault drill. Finds (installing what is missing) the programs `cargo xtask services`
//! runs, builds the workspace binaries and runs `p2p-chaos` (tests/chaos), which starts its
//! own PostgreSQL cluster, Redis, MongoDB-compatible server, S3 server and SMTP sink on spare
//! ports in a temporary directory, a full-stack `p2p-server` on them, a steady mixed load, and
//! stops and freezes each chosen backend in turn. Nothing of the shared services is touched.
//! The drill learns the services as [`Drill`] tells every drill; `--optimized` builds the
//! server and the drill with the benchmarks' profile ([`Build`]).
//!
//! `cargo xtask test` runs a bounded form ([`CI_ARGS`]).

use anyhow::{Context, Result, bail};
use std::process::ExitCode;

use crate::drill::{self, Build, Drill};
use crate::services;

const USAGE: &str = "cargo xtask chaos [--hold-secs N] [--backends postgres,redis,mongodb,s3,smtp] [--sockets N] \
     [--optimized]";

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
    let (build, args) = Build::from_args(args);
    let options = parse(&args)?;
    let mut drill = Drill::prepare("p2p-chaos", "chaos", build)?;
    drill
        .command
        .env("P2P_CHAOS_HOLD_SECS", options.hold_secs.to_string())
        .env("P2P_CHAOS_BACKENDS", options.backends.join(","))
        .env("P2P_CHAOS_SOCKETS", options.sockets.to_string());
    drill.run()
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
    drill::positive_number(value, flag)
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
