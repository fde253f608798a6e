//! `cargo xtask coverage`: line coverage of the workspace's own tests, per crate.
//!
//! Runs every crate's unit and integration tests (the embedded backends, and the
//! full-stack cases of the crate suites against the test services) and the black-box `api`
//! suite on the embedded backend (it runs the server in its own process, so its lines
//! count) under cargo-tarpaulin's LLVM engine (`-C instrument-coverage`: no LLVM tools
//! needed), in its own target directory (`<target>/coverage`) so the usual builds stay
//! warm. `cargo xtask coverage --exclude p2p-tests` leaves the black-box suite out (the
//! crates' own tests alone). Prints covered/coverable lines per crate and writes the
//! tarpaulin report (`tarpaulin-report.json`) beside the build.

use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::Path;

use crate::cmd;
use crate::services::install::ensure_cargo_tool;
use crate::services::{self, Layout};

const TARPAULIN_VERSION: &str = "0.37.5";

/// Packages whose tests do not exercise the product.
const EXCLUDED: &[&str] = &["xtask"];

pub fn command(args: &[String]) -> Result<()> {
    let layout = Layout::from_env()?;
    services::up(&layout)?;
    let tarpaulin =
        ensure_cargo_tool("cargo-tarpaulin", TARPAULIN_VERSION, &[], "cargo-tarpaulin")?;
    let output = cmd::target_dir(&cmd::metadata()?)?.join("coverage");
    let mut run = cmd::cargo();
    run.arg("tarpaulin")
        .env("PATH", with_dir_on_path(&tarpaulin)?)
        .args(["--engine", "llvm", "--workspace", "--skip-clean"])
        .args(EXCLUDED.iter().flat_map(|p| ["--exclude", p]))
        .arg("--target-dir")
        .arg(&output)
        .args(["--out", "Json", "--output-dir"])
        .arg(&output)
        .args(["--timeout", "600"])
        .args(args)
        .envs(services::test_env(&layout))
        .env("P2P_TEST_BACKEND", "embedded");
    cmd::run(&mut run)?;
    let report = output.join("tarpaulin-report.json");
    let table = per_crate(&report)?;
    print!("{}", render(&table));
    Ok(())
}

/// `PATH` with the directory of `program` first (cargo finds `cargo-tarpaulin` there).
fn with_dir_on_path(program: &Path) -> Result<std::ffi::OsString> {
    let dir = program
        .parent()
        .context("cargo-tarpaulin has no directory")?;
    let mut paths = vec![dir.to_path_buf()];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    Ok(std::env::join_paths(paths)?)
}

/// Covered and coverable lines of one crate.
#[derive(Default, Debug, PartialEq, Eq)]
pub struct Lines {
    pub covered: u64,
    pub coverable: u64,
}

/// Sums tarpaulin's per-file figures by crate (`crates/<name>`, `apps/<name>`,
/// `migration`), leaving out test code (`tests/` directories).
fn per_crate(report: &Path) -> Result<BTreeMap<String, Lines>> {
    let text =
        std::fs::read_to_string(report).with_context(|| format!("reading {}", report.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text)?;
    let Some(files) = json.get("files").and_then(|f| f.as_array()) else {
        bail!("{} has no `files` list", report.display());
    };
    let root = cmd::workspace_root();
    let mut table: BTreeMap<String, Lines> = BTreeMap::new();
    for file in files {
        let path: std::path::PathBuf = match file.get("path").and_then(|p| p.as_array()) {
            Some(parts) => parts.iter().filter_map(|p| p.as_str()).collect(),
            None => continue,
        };
        let relative = path.strip_prefix(&root).unwrap_or(&path);
        let Some(name) = crate_of(relative) else {
            continue;
        };
        let count = |key: &str| file.get(key).and_then(|v| v.as_u64()).unwrap_or(0);
        let lines = table.entry(name).or_default();
        lines.covered += count("covered");
        lines.coverable += count("coverable");
    }
    Ok(table)
}

/// The crate a source file belongs to, or `None` for test code and files outside crates.
fn crate_of(relative: &Path) -> Option<String> {
    let parts: Vec<&str> = relative.iter().filter_map(|p| p.to_str()).collect();
    let (name, rest) = match parts.as_slice() {
        ["crates" | "apps", name, rest @ ..] => (*name, rest),
        ["migration", rest @ ..] => ("migration", rest),
        _ => return None,
    };
    (rest.first() == Some(&"src")).then(|| name.to_owned())
}

fn percent(lines: &Lines) -> f64 {
    if lines.coverable == 0 {
        return 100.0;
    }
    100.0 * lines.covered as f64 / lines.coverable as f64
}

fn render(table: &BTreeMap<String, Lines>) -> String {
    let mut out =
        String::from("\n| crate | lines covered | coverable | coverage |\n|---|---:|---:|---:|\n");
    let mut total = Lines::default();
    for (name, lines) in table {
        out.push_str(&format!(
            "| {name} | {} | {} | {:.1}% |\n",
            lines.covered,
            lines.coverable,
            percent(lines)
        ));
        total.covered += lines.covered;
        total.coverable += lines.coverable;
    }
    out.push_str(&format!(
        "| **all** | {} | {} | {:.1}% |\n",
        total.covered,
        total.coverable,
        percent(&total)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_counted_under_their_crate_and_tests_are_left_out() {
        assert_eq!(
            crate_of(Path::new("crates/forum/src/service/posts.rs")).as_deref(),
            Some("forum")
        );
        assert_eq!(
            crate_of(Path::new("apps/server/src/main.rs")).as_deref(),
            Some("server")
        );
        assert_eq!(
            crate_of(Path::new("migration/src/lib.rs")).as_deref(),
            Some("migration")
        );
        assert_eq!(
            crate_of(Path::new("crates/forum/tests/forum/support.rs")),
            None
        );
        assert_eq!(crate_of(Path::new("tests/src/load.rs")), None);
    }

    #[test]
    fn renders_a_row_per_crate_and_the_total() {
        let mut table = BTreeMap::new();
        table.insert(
            "a".to_owned(),
            Lines {
                covered: 1,
                coverable: 4,
            },
        );
        table.insert(
            "b".to_owned(),
            Lines {
                covered: 3,
                coverable: 4,
            },
        );
        let text = render(&table);
        assert!(text.contains("| a | 1 | 4 | 25.0% |"), "{text}");
        assert!(text.contains("| **all** | 4 | 8 | 50.0% |"), "{text}");
    }
}
