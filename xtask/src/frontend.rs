//! The frontend side: Node, npm and Chromium (Debian packages), the npm packages pinned in
//! `tests/frontend/package-lock.json`, `cargo xtask codegen` (TypeScript types of the
//! `/api/v1` API from the server's OpenAPI document, by openapi-typescript) and its staleness
//! check, and the suites that drive the unmodified `supertokens-web-js` against the server in
//! Node and in headless Chromium and run the typed client's example (`clients/typescript`,
//! its own lockfile) against it (`tests/frontend/run.mjs`).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::cmd;
use crate::services::install::Installer;

/// The npm project of the suites and of the code generator.
const FRONTEND_DIR: &str = "tests/frontend";
/// The npm project of the typed client (openapi-fetch over the generated types).
const CLIENT_DIR: &str = "clients/typescript";
/// The generated types, committed.
pub const TYPES_PATH: &str = "clients/typescript/p2p-api.d.ts";
const BINARY: &str = "p2p-server";
/// Where a finished `npm ci` leaves a copy of the lockfile it installed.
const INSTALLED_LOCK: &str = "node_modules/.p2p-installed-package-lock.json";

fn frontend_dir() -> PathBuf {
    cmd::workspace_root().join(FRONTEND_DIR)
}

/// Node, npm and Chromium on `PATH` (installed with apt-get when missing), and the pinned
/// npm packages of the suites and of the typed client (`npm ci` when a lockfile changed
/// since its last install).
pub fn ensure_tools() -> Result<()> {
    let mut installer = Installer::default();
    installer.ensure_apt_program("node", "nodejs")?;
    installer.ensure_apt_program("npm", "npm")?;
    installer.ensure_apt_program("chromium", "chromium")?;
    npm_ci(&frontend_dir())?;
    npm_ci(&cmd::workspace_root().join(CLIENT_DIR))
}

fn npm_ci(dir: &Path) -> Result<()> {
    let lock = std::fs::read(dir.join("package-lock.json"))
        .with_context(|| format!("reading {}/package-lock.json", dir.display()))?;
    if std::fs::read(dir.join(INSTALLED_LOCK)).is_ok_and(|installed| installed == lock) {
        return Ok(());
    }
    let mut ci = Command::new("npm");
    ci.args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
        .current_dir(dir);
    cmd::run(&mut ci)?;
    std::fs::write(dir.join(INSTALLED_LOCK), lock).context("recording the installed lockfile")
}

/// Builds the server binary and returns its path.
pub fn server_binary() -> Result<PathBuf> {
    let mut build = cmd::cargo();
    // Workspace-wide like every other step, so features unify and nothing rebuilds.
    build.args(["build", "--workspace", "--bins", "--locked"]);
    cmd::run(&mut build)?;
    let binary = cmd::target_dir(&cmd::metadata()?)?
        .join("debug")
        .join(BINARY);
    if !binary.is_file() {
        bail!("the build did not produce {}", binary.display());
    }
    Ok(binary)
}

/// Generates the TypeScript types into `out`.
fn generate(server: &Path, out: &Path) -> Result<()> {
    let scratch = std::env::temp_dir().join(format!("p2p-openapi-{}.json", std::process::id()));
    let mut openapi = Command::new(server);
    openapi.arg("openapi").arg(&scratch);
    cmd::run(&mut openapi)?;
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut typescript = Command::new(frontend_dir().join("node_modules/.bin/openapi-typescript"));
    typescript
        .arg(&scratch)
        .arg("--output")
        .arg(out)
        .current_dir(frontend_dir());
    let result = cmd::run(&mut typescript);
    let _ = std::fs::remove_file(&scratch);
    result
}

/// `cargo xtask codegen`: writes the committed types.
pub fn codegen(args: &[String]) -> Result<()> {
    if !args.is_empty() {
        bail!("usage: cargo xtask codegen");
    }
    ensure_tools()?;
    let out = cmd::workspace_root().join(TYPES_PATH);
    generate(&server_binary()?, &out)?;
    println!("wrote {TYPES_PATH}; commit it");
    Ok(())
}

/// Fails when the committed types differ from what the current server generates.
pub fn check_codegen(server: &Path) -> Result<()> {
    let fresh = std::env::temp_dir().join(format!("p2p-api-{}.d.ts", std::process::id()));
    generate(server, &fresh)?;
    let generated = std::fs::read_to_string(&fresh);
    let _ = std::fs::remove_file(&fresh);
    let generated = generated.context("reading the generated types")?;
    let committed =
        std::fs::read_to_string(cmd::workspace_root().join(TYPES_PATH)).unwrap_or_default();
    if generated != committed {
        bail!(
            "{TYPES_PATH} is stale (the API changed): run `cargo xtask codegen` and commit the file"
        );
    }
    Ok(())
}

/// Runs the Node and Chromium suites against `server`.
pub fn suites(server: &Path) -> Command {
    let mut node = Command::new("node");
    node.arg("run.mjs")
        .current_dir(frontend_dir())
        .env("P2P_SERVER_BIN", server);
    node
}
