//! `cargo xtask test [cargo test args]`: everything CI checks, in order, stopping at the first
//! failure: services up, fmt check, clippy, the workspace tests (embedded backends for the
//! black-box suite), then the black-box suite `api` against the full stack. Between lint and
//! the tests: the frontend tools, the server binary and the check that the generated
//! TypeScript types are current; after each backend's tests, the memory guard
//! (`tests/memguard`) on that backend; after the embedded one, a bounded run of the API
//! fuzzer (`cargo xtask fuzz embedded` with [`fuzz::CI_OPTIONS`]), failing on any finding;
//! after the full-stack one, the bounded fault drill (`cargo xtask chaos` with
//! [`chaos::CI_ARGS`], on private services), the bounded soak ([`soak::CI_ARGS`]) and the
//! bounded fleet drill (`cargo xtask fleet --bounded`: 2 instances behind HAProxy);
//! last, the frontend suites (`tests/frontend`, with the typed client's example from
//! `clients/typescript`).
//!
//! Every cargo invocation is workspace-wide so features unify and nothing rebuilds between
//! steps. With `CI` set, `CARGO_INCREMENTAL=0`.

use anyhow::Result;
use std::path::Path;
use std::process::Command;

use crate::chaos;
use crate::cmd::{self, Steps};
use crate::fleet;
use crate::frontend;
use crate::fuzz;
use crate::lint;
use crate::services::{self, Layout};
use crate::soak;

/// The black-box test target that drives the server over HTTP.
const BLACK_BOX_TARGET: &str = "api";
/// The memory regression guard (`tests/memguard`).
const MEMORY_GUARD: &str = "p2p-memguard";

pub fn command(args: &[String]) -> Result<()> {
    let layout = Layout::from_env()?;
    let ci = std::env::var_os("CI").is_some_and(|value| !value.is_empty());
    let cargo_env: Vec<(&str, String)> = if ci {
        vec![("CARGO_INCREMENTAL", "0".to_owned())]
    } else {
        Vec::new()
    };
    let service_env = services::test_env(&layout);

    let mut steps = Steps::default();
    steps.step("services up", || services::up(&layout))?;
    lint::run(&mut steps, &cargo_env)?;
    steps.step(
        "frontend tools (node, npm, chromium, npm ci)",
        frontend::ensure_tools,
    )?;
    let mut server = None;
    steps.step("build p2p-server", || {
        server = Some(frontend::server_binary()?);
        Ok(())
    })?;
    let server = server.unwrap_or_default();
    steps.step("codegen is current", || frontend::check_codegen(&server))?;

    let mut workspace_tests = cmd::cargo();
    workspace_tests
        .args(["test", "--workspace", "--locked"])
        .args(args)
        .envs(cargo_env.iter().map(|(k, v)| (*k, v)))
        .envs(service_env.iter().map(|(k, v)| (*k, v)))
        .env("P2P_TEST_BACKEND", "embedded");
    steps.command("test --workspace (embedded)", &mut workspace_tests)?;
    steps.command(
        "memory guard (embedded)",
        &mut memory_guard(&server, &service_env, "embedded"),
    )?;
    let mut st = None;
    steps.step("schemathesis", || {
        st = Some(fuzz::install(&layout)?);
        Ok(())
    })?;
    let st = st.unwrap_or_default();
    steps.command(
        "fuzz (embedded; 5 examples per operation: examples, coverage, stateful)",
        &mut fuzz::run(&layout, &st, &server, "embedded", fuzz::CI_OPTIONS)?,
    )?;

    if cmd::has_target(&cmd::metadata()?, "test", BLACK_BOX_TARGET) {
        let mut full_stack = cmd::cargo();
        full_stack
            .args([
                "test",
                "--workspace",
                "--locked",
                "--test",
                BLACK_BOX_TARGET,
            ])
            .args(args)
            .envs(cargo_env.iter().map(|(k, v)| (*k, v)))
            .envs(service_env.iter().map(|(k, v)| (*k, v)))
            .env("P2P_TEST_BACKEND", "full");
        steps.command("test --test api (full stack)", &mut full_stack)?;
        steps.command(
            "memory guard (full stack)",
            &mut memory_guard(&server, &service_env, "full"),
        )?;
        steps.step(
            "fault drill (every backend stopped, then frozen, for 5 s; private services)",
            chaos::ci,
        )?;
        steps.step(
            "soak (full stack, 3 minutes; fails on memory or descriptors trending up)",
            soak::ci,
        )?;
        steps.step(
            "fleet drill (2 instances behind HAProxy: rolling restart, kill -9, 200 users)",
            fleet::ci,
        )?;
    } else {
        println!(
            "note: no test target named `{BLACK_BOX_TARGET}` in the workspace yet: \
             skipping the full-stack black-box run"
        );
    }

    steps.command(
        "frontend suites (supertokens-web-js in node and chromium, typed client example)",
        &mut frontend::suites(&server),
    )?;

    steps.summary();
    println!("all steps passed");
    Ok(())
}

/// `p2p-memguard` (built beside the server by `cargo build --workspace --bins`)
/// against that server on `backend`: fails when resident memory grows after warm-up.
fn memory_guard(server: &Path, service_env: &[(&str, String)], backend: &str) -> Command {
    let mut guard = Command::new(server.with_file_name(MEMORY_GUARD));
    guard
        .envs(service_env.iter().map(|(k, v)| (*k, v)))
        .env("P2P_TEST_BACKEND", backend)
        .env("P2P_MEMGUARD_SERVER", server);
    guard
}
