//! `cargo xtask lint`: the formatting check and clippy, workspace-wide, warnings denied.

use std::process::Command;

use anyhow::{Result, bail};

use crate::cmd::{self, Steps};

pub fn command(args: &[String]) -> Result<()> {
    if !args.is_empty() {
        bail!("usage: cargo xtask lint");
    }
    let mut steps = Steps::default();
    run(&mut steps, &[])?;
    steps.summary();
    Ok(())
}

/// Runs the two lint steps; `env` is added to each cargo invocation.
pub fn run(steps: &mut Steps, env: &[(&str, String)]) -> Result<()> {
    steps.command("fmt", &mut with_env(fmt(), env))?;
    steps.command("clippy", &mut with_env(clippy(), env))
}

fn fmt() -> Command {
    let mut command = cmd::cargo();
    command.args(["fmt", "--all", "--", "--check"]);
    command
}

fn clippy() -> Command {
    let mut command = cmd::cargo();
    command.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]);
    command
}

fn with_env(mut command: Command, env: &[(&str, String)]) -> Command {
    command.envs(env.iter().map(|(k, v)| (*k, v)));
    command
}
