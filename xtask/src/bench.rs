//! `cargo xtask bench [embedded|full] [section...]`: services up, build `p2p-bench` (from the
//! `tests` package) with the `perf` profile (release code without the link-time work), run it
//! against the chosen backend (default: full), passing the sections on (default: all).
//! The benchmark spawns no other binary (the server runs in its process; the realtime
//! section's client process is `p2p-bench` itself). It reports ratios against baselines
//! measured in the same run.

use anyhow::Result;

use crate::cmd;
use crate::services::{self, Layout};

const BINARY: &str = "p2p-bench";
const PROFILE: &str = "perf";

pub fn command(args: &[String]) -> Result<()> {
    let (backend, sections) = match args.first().map(String::as_str) {
        Some("full") => ("full", &args[1..]),
        Some("embedded") => ("embedded", &args[1..]),
        _ => ("full", args),
    };
    let layout = Layout::from_env()?;
    services::up(&layout)?;
    let mut build = cmd::cargo();
    build.args([
        "build",
        "--locked",
        "--profile",
        PROFILE,
        "-p",
        "p2p-tests",
        "--bin",
        BINARY,
    ]);
    cmd::run(&mut build)?;
    let binary = cmd::target_dir(&cmd::metadata()?)?
        .join(PROFILE)
        .join(BINARY);
    let mut bench = std::process::Command::new(&binary);
    bench
        .args(sections)
        .envs(services::test_env(&layout))
        .env("P2P_TEST_BACKEND", backend);
    cmd::run(&mut bench)
}
