//! `cargo xtask fuzz [embedded|full]... [--examples N] [--phases P] [--seed S]
//! [--scenarios N]`: the API fuzzer. Schemathesis (pinned, in the services' Python venv) drives a private server from
//! its own OpenAPI document with a signed-up, verified user's token: every check, the given
//! phases (default all: examples, coverage, fuzzing, stateful), `--examples` cases per
//! operation (default 20), `--scenarios` stateful scenarios (default 20 per example).
//! `tests/fuzz/run.py` starts the server and the user; the JUnit
//! report and the server log land in `<target>/fuzz/<backend>/`. Fails on any finding.
//! `cargo xtask test` runs it bounded ([`CI_OPTIONS`], embedded).

use anyhow::{Context, Result, bail};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use crate::cmd::{self, Steps};
use crate::frontend;
use crate::services::install::Installer;
use crate::services::{self, Layout};

/// The fuzzer, pinned like every other test tool.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// What `cargo xtask test` runs (on the embedded default): a few examples per
/// operation in the phases that walk every operation and the links between
/// them, failing on any finding like the long run. The seed is fixed so that CI
/// generates the same cases each run (the on-demand run draws a new seed).
pub const CI_OPTIONS: &[&str] = &[
    "--examples",
    "5",
    "--phases",
    "examples,coverage,stateful",
    "--seed",
    "20261207",
];

pub fn command(args: &[String]) -> Result<ExitCode> {
    let (backends, options) = parse(args)?;
    let layout = Layout::from_env()?;
    let mut steps = Steps::default();
    let mut st = None;
    steps.step("schemathesis", || {
        st = Some(install(&layout)?);
        Ok(())
    })?;
    let st = st.context("schemathesis is not installed")?;
    if backends.contains(&"full") {
        steps.step("services up", || services::up(&layout))?;
    }
    let mut server = None;
    steps.step("build p2p-server", || {
        server = Some(frontend::server_binary()?);
        Ok(())
    })?;
    let server = server.context("no server binary")?;
    let mut failed = false;
    for backend in backends {
        let mut fuzz = run(&layout, &st, &server, backend, &options)?;
        failed |= steps
            .command(&format!("fuzz ({backend})"), &mut fuzz)
            .is_err();
    }
    steps.summary();
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Installs the pinned schemathesis in the services' venv; its `st` program.
pub fn install(layout: &Layout) -> Result<PathBuf> {
    Installer::default().ensure_venv_tool(&layout.venv, "st", &[SCHEMATHESIS])
}

/// The driver (`tests/fuzz/run.py`) fuzzing `server` on `backend` with `st`;
/// its report goes to `<target>/fuzz/<backend>/`.
pub fn run(
    layout: &Layout,
    st: &Path,
    server: &Path,
    backend: &str,
    options: &[impl AsRef<OsStr>],
) -> Result<Command> {
    let reports = cmd::target_dir(&cmd::metadata()?)?.join("fuzz");
    let driver = cmd::workspace_root()
        .join("tests")
        .join("fuzz")
        .join("run.py");
    let mut fuzz = Command::new(layout.venv.join("bin").join("python"));
    fuzz.arg(&driver)
        .arg("--server")
        .arg(server)
        .arg("--st")
        .arg(st)
        .args(["--backend", backend])
        .arg("--report-dir")
        .arg(&reports)
        .args(options)
        .envs(services::test_env(layout));
    Ok(fuzz)
}

/// The backends (default both) and the options passed on to the driver.
fn parse(args: &[String]) -> Result<(Vec<&'static str>, Vec<String>)> {
    let mut backends = Vec::new();
    let mut options = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "embedded" => backends.push("embedded"),
            "full" => backends.push("full"),
            "--examples" | "--phases" | "--seed" | "--scenarios" => {
                let value = rest
                    .next()
                    .with_context(|| format!("{arg} needs a value"))?;
                options.extend([arg.clone(), value.clone()]);
            }
            other => bail!("unknown fuzz argument `{other}`"),
        }
    }
    if backends.is_empty() {
        backends = vec!["embedded", "full"];
    }
    Ok((backends, options))
}
