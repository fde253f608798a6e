//! Shared helpers: running child processes, timing steps, workspace metadata.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// The cargo that runs us (`$CARGO` is set by `cargo run`), else the one on `PATH`, in the
/// workspace root, without the variables `cargo run` gave xtask (see [`is_cargo_run_var`]).
pub fn cargo() -> Command {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut command = Command::new(program);
    command.current_dir(workspace_root());
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(is_cargo_run_var) {
            command.env_remove(name);
        }
    }
    command
}

/// Variables that `cargo run` sets for the xtask process and that must not reach a nested
/// cargo: build scripts declare some of them with `rerun-if-env-changed` (ring and cc-rs do
/// `CARGO_MANIFEST_DIR`, `CARGO_PKG_NAME`, `OUT_DIR`, ...), and cargo compares them with its
/// own environment, so leaking xtask's values would make every `cargo xtask` build and every
/// plain `cargo` build rebuild those crates and all that depends on them, in turn.
fn is_cargo_run_var(name: &str) -> bool {
    name.starts_with("CARGO_PKG_")
        || name.starts_with("CARGO_MANIFEST_")
        || matches!(
            name,
            "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE" | "OUT_DIR"
        )
}

/// The workspace root: xtask lives one level below it.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// `cargo metadata --format-version 1 --no-deps`, parsed.
pub fn metadata() -> Result<serde_json::Value> {
    let output = cargo()
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .context("running `cargo metadata`")?;
    if !output.status.success() {
        bail!(
            "`cargo metadata` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    serde_json::from_slice(&output.stdout).context("parsing `cargo metadata` output")
}

/// The build directory cargo uses for this workspace.
pub fn target_dir(metadata: &serde_json::Value) -> Result<PathBuf> {
    metadata
        .get("target_directory")
        .and_then(serde_json::Value::as_str)
        .map(PathBuf::from)
        .context("`cargo metadata` output has no target_directory")
}

/// Whether some workspace package has a target of `kind` (e.g. "test", "bin") named `name`.
pub fn has_target(metadata: &serde_json::Value, kind: &str, name: &str) -> bool {
    let packages = metadata
        .get("packages")
        .and_then(serde_json::Value::as_array);
    packages.into_iter().flatten().any(|package| {
        let targets = package.get("targets").and_then(serde_json::Value::as_array);
        targets.into_iter().flatten().any(|target| {
            let named = target.get("name").and_then(serde_json::Value::as_str) == Some(name);
            let kinds = target.get("kind").and_then(serde_json::Value::as_array);
            let of_kind = kinds
                .into_iter()
                .flatten()
                .any(|k| k.as_str() == Some(kind));
            named && of_kind
        })
    })
}

/// A command line as a human would type it (for logs and error messages).
pub fn display(command: &Command) -> String {
    let program = command.get_program();
    let is_our_cargo = std::env::var_os("CARGO").is_some_and(|cargo| cargo == program);
    let program = if is_our_cargo {
        OsStr::new("cargo")
    } else {
        program
    };
    let mut words = vec![quote(program)];
    words.extend(command.get_args().map(quote));
    words.join(" ")
}

fn quote(word: &OsStr) -> String {
    let word = word.to_string_lossy();
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c));
    if plain {
        word.into_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Runs `command` to completion with inherited stdio; fails unless it exits with 0.
pub fn run(command: &mut Command) -> Result<()> {
    let status = status(command)?;
    if !status.success() {
        bail!("`{}` failed ({status})", display(command));
    }
    Ok(())
}

/// Runs `command` to completion with inherited stdio and returns how it exited.
pub fn status(command: &mut Command) -> Result<ExitStatus> {
    command
        .status()
        .with_context(|| format!("could not run `{}`", display(command)))
}

/// Timed, named steps that stop at the first failure and print a summary.
#[derive(Default)]
pub struct Steps {
    done: Vec<(String, Duration, bool)>,
}

impl Steps {
    /// Runs `command` as the step `name`, printing its command line and its duration.
    pub fn command(&mut self, name: &str, command: &mut Command) -> Result<()> {
        self.step(name, || {
            println!("    $ {}", display(command));
            run(command)
        })
    }

    /// Runs `body` as the step `name`, printing its duration.
    pub fn step(&mut self, name: &str, body: impl FnOnce() -> Result<()>) -> Result<()> {
        println!("==> {name}");
        let started = Instant::now();
        let result = body();
        let took = started.elapsed();
        self.done.push((name.to_owned(), took, result.is_ok()));
        match result {
            Ok(()) => {
                println!("<== {name}: ok in {}", seconds(took));
                Ok(())
            }
            Err(err) => {
                self.summary();
                Err(err.context(format!("step `{name}` failed after {}", seconds(took))))
            }
        }
    }

    /// Prints each step run so far with its duration and outcome, and the total.
    pub fn summary(&self) {
        if self.done.is_empty() {
            return;
        }
        println!("\nsteps:");
        let width = self.done.iter().map(|(n, ..)| n.len()).max().unwrap_or(0);
        for (name, took, ok) in &self.done {
            let outcome = if *ok { "ok" } else { "FAILED" };
            println!("  {name:<width$}  {:>9}  {outcome}", seconds(*took));
        }
        let total: Duration = self.done.iter().map(|(_, took, _)| *took).sum();
        println!("  {:<width$}  {:>9}", "total", seconds(total));
    }
}

pub fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

/// Looks `name` up in `PATH` like a shell would.
pub fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_cargo_run_variables_are_dropped() {
        for dropped in [
            "CARGO_PKG_NAME",
            "CARGO_MANIFEST_DIR",
            "CARGO_CRATE_NAME",
            "OUT_DIR",
        ] {
            assert!(is_cargo_run_var(dropped), "{dropped}");
        }
        for kept in [
            "CARGO_TARGET_DIR",
            "CARGO_HOME",
            "CARGO_INCREMENTAL",
            "CARGO",
            "PATH",
        ] {
            assert!(!is_cargo_run_var(kept), "{kept}");
        }
    }

    #[test]
    fn command_lines_are_quoted_for_a_shell() {
        let mut command = Command::new("redis-server");
        command.args(["--save", "", "--dir", "/tmp/a b", "it's"]);
        assert_eq!(
            display(&command),
            r#"redis-server --save '' --dir '/tmp/a b' 'it'\''s'"#
        );
    }
}
