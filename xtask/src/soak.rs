//! `cargo xtask soak [embedded|full] [--minutes N] [--sample-secs S]`: services up, build the
//! workspace binaries, run `p2p-soak` (tests/soak) against a private `p2p-server` on the
//! chosen backend (default full) for N minutes (default 30), sampling every S seconds
//! (default 60); fails when resident memory or open descriptors grow more than 5% over
//! the second half, or an interval loses more than 1% of its requests. `cargo xtask test`
//! runs a bounded form ([`CI_ARGS`]).

use anyhow::{Context, Result, bail};
use std::process::Command;

use crate::cmd;
use crate::frontend;
use crate::services::{self, Layout};

/// The bounded soak of `cargo xtask test`: full stack, 3 minutes, a sample every 10 s (so the
/// second half's quarters are 2 samples each).
pub const CI_ARGS: [&str; 5] = ["full", "--minutes", "3", "--sample-secs", "10"];

/// The bounded soak ([`CI_ARGS`]) as a step that fails when the trend rule does.
pub fn ci() -> Result<()> {
    let args: Vec<String> = CI_ARGS.iter().map(|a| (*a).to_owned()).collect();
    command(&args)
}

pub fn command(args: &[String]) -> Result<()> {
    let mut backend = "full";
    let (mut minutes, mut sample_secs) = ("30".to_owned(), "60".to_owned());
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "full" => backend = "full",
            "embedded" => backend = "embedded",
            "--minutes" => minutes = number(rest.next(), "--minutes")?,
            "--sample-secs" => sample_secs = number(rest.next(), "--sample-secs")?,
            other => bail!(
                "unknown argument {other:?}: cargo xtask soak [embedded|full] [--minutes N] [--sample-secs S]"
            ),
        }
    }
    let layout = Layout::from_env()?;
    services::up(&layout)?;
    let server = frontend::server_binary()?;
    let mut soak = Command::new(server.with_file_name("p2p-soak"));
    soak.envs(services::test_env(&layout))
        .env("P2P_TEST_BACKEND", backend)
        .env("P2P_MEMGUARD_SERVER", &server)
        .env("P2P_SOAK_MINUTES", minutes)
        .env("P2P_SOAK_SAMPLE_SECS", sample_secs);
    cmd::run(&mut soak)
}

fn number(value: Option<&String>, flag: &str) -> Result<String> {
    let value = value.with_context(|| format!("{flag} needs a number"))?;
    value
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .with_context(|| format!("{flag} must be a positive whole number, not {value:?}"))?;
    Ok(value.clone())
}
