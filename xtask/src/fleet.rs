//! `cargo xtask fleet [--instances N] [--sockets N] [--users 1000,10000] [--measure-secs N]
//! [--max-error-percent P] [--optimized]`: several instances behind HAProxy. Installs HAProxy from the
//! distribution's packages when it is missing, then runs `p2p-fleet` (tests/fleet) the way
//! every drill runs ([`Drill`]: private services on spare ports), which starts the instances
//! and HAProxy, restarts the instances one by one and kills one under load, and measures the
//! simulated users. See docs/operations.md (Restarts, Load).
//!
//! With `--optimized`, the server and the drill are built with the benchmarks' `perf` profile
//! (see [`Build`]): the load figures are then an optimized build's.
//!
//! `cargo xtask fleet --bounded` runs the bounded form ([`BOUNDED_ARGS`]), which is also a step
//! of `cargo xtask test` ([`ci`]).

use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::{Command, ExitCode};

use crate::cmd;
use crate::drill::{Build, Drill, positive_number as number};

const USAGE: &str = "cargo xtask fleet --bounded | cargo xtask fleet [--instances N] [--sockets N] [--users 1000,10000] \
                     [--measure-secs N] [--max-error-percent P] [--optimized]";

/// The bounded run (`--bounded`): 2 instances, 50 sockets through the restarts, then
/// 200 users for 20 s on one instance and on two, none of their requests failing.
pub const BOUNDED_ARGS: [&str; 10] = [
    "--instances",
    "2",
    "--sockets",
    "50",
    "--users",
    "200",
    "--measure-secs",
    "20",
    "--max-error-percent",
    "0",
];

#[derive(Debug, PartialEq)]
struct Options {
    instances: u64,
    sockets: u64,
    users: Vec<u64>,
    measure_secs: u64,
    max_error_percent: Option<f64>,
}

pub fn command(args: &[String]) -> Result<ExitCode> {
    Ok(match run(args)? {
        true => ExitCode::SUCCESS,
        false => ExitCode::FAILURE,
    })
}

/// The bounded run ([`BOUNDED_ARGS`]) as a step that fails when the run does.
pub fn ci() -> Result<()> {
    match run(&["--bounded".to_owned()])? {
        true => Ok(()),
        false => bail!("the fleet drill found violations (see above)"),
    }
}

fn run(args: &[String]) -> Result<bool> {
    let (build, args) = Build::from_args(args);
    let bounded: Vec<String> = BOUNDED_ARGS.iter().map(|a| (*a).to_owned()).collect();
    let options = match args.as_slice() {
        [only] if only == "--bounded" => parse(&bounded)?,
        _ => parse(&args)?,
    };
    let haproxy = haproxy()?;
    let mut drill = Drill::prepare("p2p-fleet", "fleet", build)?;
    drill
        .command
        .env("P2P_FLEET_HAPROXY", haproxy)
        .env("P2P_FLEET_INSTANCES", options.instances.to_string())
        .env("P2P_FLEET_SOCKETS", options.sockets.to_string())
        .env("P2P_FLEET_MEASURE_SECS", options.measure_secs.to_string())
        .env(
            "P2P_FLEET_USERS",
            options
                .users
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(","),
        );
    if let Some(limit) = options.max_error_percent {
        drill
            .command
            .env("P2P_FLEET_MAX_ERROR_PERCENT", limit.to_string());
    }
    drill.run()
}

/// The `haproxy` program, installed from the distribution's packages when missing.
fn haproxy() -> Result<PathBuf> {
    let found = || {
        cmd::find_in_path("haproxy").or_else(|| {
            let sbin = PathBuf::from("/usr/sbin/haproxy");
            sbin.is_file().then_some(sbin)
        })
    };
    if let Some(program) = found() {
        return Ok(program);
    }
    println!("xtask: haproxy is missing: installing the distribution's package");
    let install = || {
        let mut apt = Command::new("apt-get");
        apt.args(["install", "-y", "--no-install-recommends", "haproxy"])
            .env("DEBIAN_FRONTEND", "noninteractive");
        cmd::run(&mut apt)
    };
    if install().is_err() {
        cmd::run(Command::new("apt-get").arg("update"))?;
        install()?;
    }
    found()
        .context("apt-get installed haproxy, but no `haproxy` program is on PATH or in /usr/sbin")
}

fn parse(args: &[String]) -> Result<Options> {
    let mut options = Options {
        instances: 3,
        sockets: 100,
        users: vec![1_000, 10_000],
        measure_secs: 60,
        max_error_percent: None,
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = || {
            rest.next()
                .with_context(|| format!("{arg} needs a value: {USAGE}"))
        };
        match arg.as_str() {
            "--instances" => options.instances = number(value()?, arg)?,
            "--sockets" => options.sockets = number(value()?, arg)?,
            "--measure-secs" => options.measure_secs = number(value()?, arg)?,
            "--users" => {
                let list = value()?;
                options.users = list
                    .split(',')
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(|n| number(n, arg))
                    .collect::<Result<_>>()?;
            }
            "--max-error-percent" => {
                let value = value()?;
                let limit: f64 = value
                    .parse()
                    .ok()
                    .filter(|p: &f64| (0.0..=100.0).contains(p))
                    .with_context(|| format!("{arg} must be a percentage, not {value:?}"))?;
                options.max_error_percent = Some(limit);
            }
            other => bail!("unknown argument {other:?}: {USAGE}"),
        }
    }
    if options.instances < 2 {
        bail!("--instances must be at least 2 (a restart needs another instance): {USAGE}");
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn options_default_to_three_instances_and_the_plans_user_counts() -> Result<()> {
        let options = parse(&[])?;
        assert_eq!((options.instances, options.sockets), (3, 100));
        assert_eq!(options.users, [1_000, 10_000]);
        let ci = parse(&args(&BOUNDED_ARGS))?;
        assert_eq!((ci.instances, ci.users.clone()), (2, vec![200]));
        assert_eq!(ci.max_error_percent, Some(0.0));
        assert!(parse(&args(&["--instances", "1"])).is_err());
        assert!(parse(&args(&["--users", "10,x"])).is_err());
        assert!(parse(&args(&["--max-error-percent", "101"])).is_err());
        assert!(parse(&args(&["--sockets"])).is_err());
        Ok(())
    }
}
