//! Installing what a service needs: Debian packages, a Python venv with pip packages, and
//! cargo-installed binaries. Everything is checked first and installed only when missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::cmd;

const S3S_FS_VERSION: &str = "0.14.1";

#[derive(Default)]
pub struct Installer {
    apt_updated: bool,
}

impl Installer {
    /// `program` from `PATH`, installing the Debian `package` that provides it if missing.
    pub fn ensure_apt_program(&mut self, program: &str, package: &str) -> Result<PathBuf> {
        if let Some(path) = cmd::find_in_path(program) {
            return Ok(path);
        }
        self.apt_install(&[package])?;
        cmd::find_in_path(program)
            .with_context(|| format!("`{program}` is still not on PATH after installing {package}"))
    }

    /// `apt-get install -y <packages>`; when that fails, `apt-get update` once and retry.
    pub fn apt_install(&mut self, packages: &[&str]) -> Result<()> {
        if cmd::find_in_path("apt-get").is_none() {
            bail!(
                "{} missing and there is no apt-get here: install it yourself",
                packages.join(", ")
            );
        }
        println!("    installing {} with apt-get", packages.join(" "));
        if !self.apt_updated && apt(&["install", "-y"], packages)?.success() {
            return Ok(());
        }
        if !self.apt_updated {
            cmd::run(&mut apt_command(&["update"], &[])?)?;
            self.apt_updated = true;
        }
        cmd::run(&mut apt_command(&["install", "-y"], packages)?)
    }

    /// `<venv>/bin/<tool>`, creating the venv and `pip install`ing `pip_args` if missing.
    pub fn ensure_venv_tool(
        &mut self,
        venv: &Path,
        tool: &str,
        pip_args: &[&str],
    ) -> Result<PathBuf> {
        let program = venv.join("bin").join(tool);
        if program.is_file() {
            return Ok(program);
        }
        let pip = self.ensure_venv(venv)?;
        println!("    installing {tool}: pip install {}", pip_args.join(" "));
        let mut install = Command::new(pip);
        install
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .args(pip_args);
        cmd::run(&mut install)?;
        if !program.is_file() {
            bail!(
                "pip installed {} but {} is missing",
                pip_args.join(" "),
                program.display()
            );
        }
        Ok(program)
    }

    /// Creates the venv when it has no pip yet (installing python3-venv if needed).
    fn ensure_venv(&mut self, venv: &Path) -> Result<PathBuf> {
        let pip = venv.join("bin").join("pip");
        if pip.is_file() {
            return Ok(pip);
        }
        println!("    creating the Python venv {}", venv.display());
        let python = self.ensure_apt_program("python3", "python3")?;
        let mut create = Command::new(&python);
        create.args(["-m", "venv"]).arg(venv);
        if !cmd::status(&mut create)?.success() {
            // Debian ships `venv` (with ensurepip) separately.
            self.apt_install(&["python3-venv"])?;
            cmd::run(&mut create)?;
        }
        if !pip.is_file() {
            bail!("created {} but it has no bin/pip", venv.display());
        }
        Ok(pip)
    }

    /// The `s3s-fs` binary in cargo's bin dir, `cargo install`ed (pinned) if missing.
    pub fn ensure_s3s_fs(&mut self) -> Result<PathBuf> {
        ensure_cargo_tool("s3s-fs", S3S_FS_VERSION, &["binary"], "s3s-fs")
    }
}

/// `program` from cargo's bin dir, `cargo install --locked <krate> --version <version>`ed
/// (with `features`) if missing. Builds in a throwaway directory: the workspace's shared
/// target directory stays the workspace's alone.
pub fn ensure_cargo_tool(
    krate: &str,
    version: &str,
    features: &[&str],
    program: &str,
) -> Result<PathBuf> {
    let program = cargo_home()?.join("bin").join(program);
    if program.is_file() {
        return Ok(program);
    }
    println!("    installing {krate} {version} with cargo install (takes minutes, once)");
    let mut install = cmd::cargo();
    install.args(["install", "--locked", krate, "--version", version]);
    if !features.is_empty() {
        install.args(["--features", &features.join(",")]);
    }
    install
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .current_dir(std::env::temp_dir());
    cmd::run(&mut install)?;
    if !program.is_file() {
        bail!(
            "cargo install {krate} succeeded but {} is missing",
            program.display()
        );
    }
    Ok(program)
}

fn cargo_home() -> Result<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(home));
    }
    let home = std::env::var_os("HOME")
        .filter(|v| !v.is_empty())
        .context("neither CARGO_HOME nor HOME is set")?;
    Ok(PathBuf::from(home).join(".cargo"))
}

fn apt(args: &[&str], packages: &[&str]) -> Result<std::process::ExitStatus> {
    cmd::status(&mut apt_command(args, packages)?)
}

/// `apt-get …` non-interactively, through `sudo -n` unless we are root.
fn apt_command(args: &[&str], packages: &[&str]) -> Result<Command> {
    let mut command = if is_root()? {
        Command::new("apt-get")
    } else {
        let mut sudo = Command::new("sudo");
        sudo.args(["-n", "apt-get"]);
        sudo
    };
    command
        .args(args)
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive");
    Ok(command)
}

pub fn is_root() -> Result<bool> {
    let output = Command::new("id")
        .arg("-u")
        .output()
        .context("running `id -u`")?;
    Ok(String::from_utf8_lossy(&output.stdout).trim() == "0")
}
