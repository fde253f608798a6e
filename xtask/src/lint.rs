//! `cargo xtask lint`: the formatting check and clippy, workspace-wide, warnings denied;
//! then the shipped monitoring configuration: promtool checks the Prometheus alert rules
//! and runs their unit tests (`deploy/prometheus/alerts.test.yml`), and every panel of
//! the Grafana dashboard has a query.

use std::process::Command;

use anyhow::{Result, bail};

use crate::cmd::{self, Steps};
use crate::services::install::Installer;

pub fn command(args: &[String]) -> Result<()> {
    if !args.is_empty() {
        bail!("usage: cargo xtask lint");
    }
    let mut steps = Steps::default();
    run(&mut steps, &[])?;
    steps.summary();
    Ok(())
}

/// Runs the lint steps; `env` is added to each cargo invocation.
pub fn run(steps: &mut Steps, env: &[(&str, String)]) -> Result<()> {
    steps.command("fmt", &mut with_env(fmt(), env))?;
    steps.command("clippy", &mut with_env(clippy(), env))?;
    steps.step("monitoring configuration (promtool, dashboard)", monitoring)
}

/// The alert rules load and their unit tests pass; the dashboard's panels all query.
fn monitoring() -> Result<()> {
    let promtool = Installer::default().ensure_apt_program("promtool", "prometheus")?;
    let prometheus = cmd::workspace_root().join("deploy/prometheus");
    cmd::run(
        Command::new(&promtool)
            .args(["check", "rules", "alerts.yml"])
            .current_dir(&prometheus),
    )?;
    cmd::run(
        Command::new(&promtool)
            .args(["test", "rules", "alerts.test.yml"])
            .current_dir(&prometheus),
    )?;
    let path = cmd::workspace_root().join("deploy/grafana/dashboards/p2p-sandbox.json");
    let dashboard: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let panels = dashboard["panels"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let without_query = panels.iter().filter(|panel| {
        !panel["targets"].as_array().is_some_and(|t| {
            !t.is_empty()
                && t.iter()
                    .all(|t| t["expr"].as_str().is_some_and(|e| !e.is_empty()))
        })
    });
    if panels.is_empty() || without_query.count() > 0 {
        bail!("{}: every panel needs a Prometheus query", path.display());
    }
    Ok(())
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
