//! `cargo xtask bench [embedded|full] [section...]`: services up, build `p2p-bench` (from the
//! `tests` package) with the `perf` profile (release code without the link-time work), run it
//! against the chosen backend (default: full), passing the sections on (default: all).
//! The server runs in the benchmark's process (the realtime section's client process is
//! `p2p-bench` itself), except in the `memory` section, which compares the global
//! allocators: for it, `p2p-server` is built once per allocator (same profile) and the
//! binaries are passed in `P2P_BENCH_SERVERS`; and in the `transports` section, which
//! compares the WebSocket transports: `p2p-server` is built once per transport and the
//! binaries are passed in `P2P_BENCH_WS_SERVERS`. It reports ratios against baselines
//! measured in the same run.

use anyhow::Result;

use crate::cmd;
use crate::services::{self, Layout};

const BINARY: &str = "p2p-bench";
/// The benchmarks' build profile (release code without the link-time work); the drills'
/// `--optimized` builds use it too.
pub const PROFILE: &str = "perf";

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
    let wanted = |name: &str| sections.is_empty() || sections.iter().any(|s| s == name);
    if wanted("memory") {
        bench.env("P2P_BENCH_SERVERS", server_per_allocator()?);
    }
    if wanted("transports") {
        bench.env("P2P_BENCH_WS_SERVERS", server_per_transport()?);
    }
    bench
        .args(sections)
        .envs(services::test_env(&layout))
        .env("P2P_TEST_BACKEND", backend);
    cmd::run(&mut bench)
}

/// The allocators compared, as the features of `p2p-server` that select them
/// (the system allocator first: the baseline).
const ALLOCATORS: [(&str, &[&str]); 3] = [
    ("system", &[]),
    ("mimalloc", &["--features", "mimalloc"]),
    ("jemalloc", &["--features", "jemalloc"]),
];

/// Builds `p2p-server` once per allocator (`--no-default-features` and the
/// allocator's feature), keeps each as `p2p-server-<name>`, and returns `name=path,...`.
fn server_per_allocator() -> Result<String> {
    server_per_variant(
        &["-p", "p2p-server", "--no-default-features"],
        "",
        &ALLOCATORS,
    )
}

/// The WebSocket transports compared, as the features of `p2p-server` that
/// select them (today's default, the response body, first: the baseline).
const TRANSPORTS: [(&str, &[&str]); 2] = [
    ("body", &[]),
    ("actix-ws", &["--features", "p2p-server/ws-actix-ws"]),
];

/// Builds `p2p-server` once per transport (its default features otherwise,
/// with the features the bench's own build resolves, so that only `p2p-server`
/// is built again), keeps each as `p2p-server-ws-<name>`, and returns `name=path,...`.
fn server_per_transport() -> Result<String> {
    let packages = ["-p", "p2p-server", "-p", "p2p-tests", "--bin", "p2p-server"];
    server_per_variant(&packages, "ws-", &TRANSPORTS)
}

/// Builds `p2p-server` (with `packages`) once per variant (its extra
/// arguments), keeps each as `p2p-server-<prefix><name>`, and returns
/// `name=path,...` in the order given.
fn server_per_variant(
    packages: &[&str],
    prefix: &str,
    variants: &[(&str, &[&str])],
) -> Result<String> {
    let dir = cmd::target_dir(&cmd::metadata()?)?.join(PROFILE);
    let mut servers = Vec::new();
    for (name, features) in variants {
        let mut build = cmd::cargo();
        build
            .args(["build", "--locked", "--profile", PROFILE])
            .args(packages)
            .args(*features);
        cmd::run(&mut build)?;
        let kept = dir.join(format!("p2p-server-{prefix}{name}"));
        std::fs::copy(dir.join("p2p-server"), &kept)?;
        servers.push(format!("{name}={}", kept.display()));
    }
    Ok(servers.join(","))
}
