//! `cargo xtask server [args]` builds the workspace binaries and runs `p2p-server [args]`;
//! `migrate`, `seed`, `reindex`, `create-superuser` and `openapi` are thin wrappers around the
//! server's subcommands of the same names.

use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::cmd;

const BINARY: &str = "p2p-server";
const DEFAULT_OPENAPI_PATH: &str = "docs/openapi.json";

pub fn run_server(args: &[String]) -> Result<ExitCode> {
    let mut build = cmd::cargo();
    build.args(["build", "--workspace", "--bins", "--locked"]);
    cmd::run(&mut build)?;

    let metadata = cmd::metadata()?;
    let binary = cmd::target_dir(&metadata)?.join("debug").join(BINARY);
    if !binary.is_file() {
        bail!(
            "the build did not produce {} (is there a `{BINARY}` binary target?)",
            binary.display()
        );
    }
    let mut server = std::process::Command::new(&binary);
    server.args(args);
    let status = cmd::status(&mut server)?;
    Ok(exit_code(status))
}

/// `cargo xtask <subcommand> [args]` → `p2p-server <subcommand> [args]`.
pub fn delegate(subcommand: &str, args: &[String]) -> Result<ExitCode> {
    let mut forwarded = vec![subcommand.to_owned()];
    if subcommand == "openapi" && args.is_empty() {
        let path = cmd::workspace_root().join(DEFAULT_OPENAPI_PATH);
        forwarded.push(
            path.to_str()
                .context("the workspace path is not UTF-8")?
                .to_owned(),
        );
    }
    forwarded.extend(args.iter().cloned());
    run_server(&forwarded)
}

fn exit_code(status: std::process::ExitStatus) -> ExitCode {
    use std::os::unix::process::ExitStatusExt;
    let code = status
        .code()
        .or_else(|| status.signal().map(|signal| 128 + signal))
        .unwrap_or(1);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
