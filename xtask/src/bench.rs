//! `cargo xtask bench [embedded|full]`: services up, build the workspace binaries, run
//! `p2p-bench` (from the `tests` package) against the chosen backend (default: full).
//! The benchmark reports ratios against baselines measured in the same run.

use anyhow::{Result, bail};

use crate::cmd;
use crate::services::{self, Layout};

const BINARY: &str = "p2p-bench";

pub fn command(args: &[String]) -> Result<()> {
    let backend = match args.first().map(String::as_str) {
        None | Some("full") => "full",
        Some("embedded") => "embedded",
        Some(other) => bail!("unknown backend `{other}`: use embedded or full"),
    };
    let layout = Layout::from_env()?;
    services::up(&layout)?;
    let mut build = cmd::cargo();
    build.args(["build", "--workspace", "--bins", "--locked"]);
    cmd::run(&mut build)?;
    let binary = cmd::target_dir(&cmd::metadata()?)?
        .join("debug")
        .join(BINARY);
    let mut bench = std::process::Command::new(&binary);
    bench
        .envs(services::test_env(&layout))
        .env("P2P_TEST_BACKEND", backend);
    cmd::run(&mut bench)
}
