//! PostgreSQL through Debian's cluster tools (`pg_lsclusters`, `pg_ctlcluster`).
//!
//! A cluster on the port (5432) that is down gets started. With no such cluster, PostgreSQL is
//! installed (`apt-get install -y postgresql`, which creates `<version>/main`) or a cluster is
//! created; only a cluster that xtask installed or created gets trust authentication on the
//! loopback addresses (the tests connect as `postgres` without a password).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::install::Installer;
use super::process;
use super::state::Started;
use crate::cmd;

const TRUST_MARKER: &str = "# added by `cargo xtask services`";

struct Cluster {
    version: String,
    name: String,
    port: u16,
    online: bool,
}

pub fn log_hint() -> PathBuf {
    PathBuf::from("/var/log/postgresql")
}

pub fn log_path(version: &str, cluster: &str) -> PathBuf {
    log_hint().join(format!("postgresql-{version}-{cluster}.log"))
}

/// Starts (installing or creating if needed) the cluster on `port` and waits for the port.
pub fn start(installer: &mut Installer, port: u16, deadline: Duration) -> Result<Started> {
    let mut fresh = false;
    if cmd::find_in_path("pg_lsclusters").is_none() {
        installer.apt_install(&["postgresql"])?;
        fresh = true;
    }
    let mut cluster = find_cluster(port)?;
    if cluster.is_none() && installed_versions()?.is_empty() && !fresh {
        installer.apt_install(&["postgresql"])?;
        fresh = true;
        cluster = find_cluster(port)?;
    }
    let cluster = match cluster {
        Some(cluster) => cluster,
        None => {
            create_cluster(port)?;
            fresh = true;
            find_cluster(port)?.context("pg_createcluster ran but no cluster uses the port")?
        }
    };
    if fresh {
        allow_trust_on_loopback(&cluster)?;
    }
    if !cluster.online {
        cmd::run(&mut ctl(&cluster.version, &cluster.name, "start"))?;
    }
    let log = log_path(&cluster.version, &cluster.name);
    process::wait_for_port("postgres", port, deadline, &log, None)?;
    Ok(Started::PgCluster {
        version: cluster.version,
        cluster: cluster.name,
    })
}

pub fn cluster_online(version: &str, name: &str) -> bool {
    list_clusters()
        .unwrap_or_default()
        .iter()
        .any(|c| c.version == version && c.name == name && c.online)
}

/// Stops the cluster; `Ok(false)` when it was not running.
pub fn stop(version: &str, name: &str) -> Result<bool> {
    if !cluster_online(version, name) {
        return Ok(false);
    }
    cmd::run(&mut ctl(version, name, "stop"))?;
    Ok(true)
}

fn ctl(version: &str, name: &str, action: &str) -> Command {
    let mut command = Command::new("pg_ctlcluster");
    command.args(["--skip-systemctl-redirect", version, name, action]);
    command
}

/// The cluster on `port` (preferring one named `main`), if any.
fn find_cluster(port: u16) -> Result<Option<Cluster>> {
    let clusters = list_clusters()?;
    let mut on_port: Vec<Cluster> = Vec::new();
    let mut elsewhere = Vec::new();
    for cluster in clusters {
        if cluster.port == port {
            on_port.push(cluster);
        } else {
            elsewhere.push(format!(
                "{}/{} on {}",
                cluster.version, cluster.name, cluster.port
            ));
        }
    }
    if on_port.is_empty() && !elsewhere.is_empty() {
        bail!(
            "no PostgreSQL cluster uses port {port} (found {}); change one with pg_conftool",
            elsewhere.join(", ")
        );
    }
    on_port.sort_by_key(|c| c.name != "main");
    Ok(on_port.into_iter().next())
}

fn list_clusters() -> Result<Vec<Cluster>> {
    if cmd::find_in_path("pg_lsclusters").is_none() {
        return Ok(Vec::new());
    }
    let output = Command::new("pg_lsclusters")
        .arg("--no-header")
        .output()
        .context("running pg_lsclusters")?;
    if !output.status.success() {
        bail!(
            "pg_lsclusters failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(parse_clusters(&String::from_utf8_lossy(&output.stdout)))
}

/// `Ver Cluster Port Status Owner Data-directory Log-file` lines.
fn parse_clusters(text: &str) -> Vec<Cluster> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let version = fields.next()?.to_owned();
            let name = fields.next()?.to_owned();
            let port = fields.next()?.parse().ok()?;
            let online = fields.next()?.starts_with("online");
            Some(Cluster {
                version,
                name,
                port,
                online,
            })
        })
        .collect()
}

/// The newest installed version's server binaries (`initdb`, `postgres`), installing
/// PostgreSQL when there is none.
pub fn server_bin_dir(installer: &mut Installer) -> Result<PathBuf> {
    if installed_versions()?.is_empty() {
        installer.apt_install(&["postgresql"])?;
    }
    let version = installed_versions()?
        .into_iter()
        .next()
        .context("PostgreSQL is installed but /usr/lib/postgresql has no server binaries")?;
    Ok(Path::new("/usr/lib/postgresql").join(version).join("bin"))
}

/// Versions with server binaries under /usr/lib/postgresql, highest first.
fn installed_versions() -> Result<Vec<String>> {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, String)> = match std::fs::read_dir(root) {
        Ok(entries) => entries
            .filter_map(|entry| entry.ok())
            .filter(|entry| entry.path().join("bin/postgres").is_file())
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                let major = name.split('.').next()?.parse().ok()?;
                Some((major, name))
            })
            .collect(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(err) => return Err(err).with_context(|| format!("reading {}", root.display())),
    };
    versions.sort_by(|a, b| b.cmp(a));
    Ok(versions.into_iter().map(|(_, name)| name).collect())
}

fn create_cluster(port: u16) -> Result<()> {
    let versions = installed_versions()?;
    let version = versions
        .first()
        .context("PostgreSQL is installed but /usr/lib/postgresql has no server binaries")?;
    println!("    creating PostgreSQL cluster {version}/main on port {port}");
    cmd::run(Command::new("pg_createcluster").args([
        version.as_str(),
        "main",
        "--port",
        &port.to_string(),
    ]))
}

/// Prepends trust rules for loopback connections to the cluster's pg_hba.conf (once) and
/// reloads a running cluster. Only used on clusters xtask installed or created.
fn allow_trust_on_loopback(cluster: &Cluster) -> Result<()> {
    let path = Path::new("/etc/postgresql")
        .join(&cluster.version)
        .join(&cluster.name)
        .join("pg_hba.conf");
    let current =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    if current.contains(TRUST_MARKER) {
        return Ok(());
    }
    println!(
        "    allowing passwordless loopback connections in {}",
        path.display()
    );
    let rules = format!(
        "{TRUST_MARKER}: a local test cluster\n\
         host    all    all    127.0.0.1/32    trust\n\
         host    all    all    ::1/128         trust\n\n"
    );
    std::fs::write(&path, rules + &current)
        .with_context(|| format!("writing {}", path.display()))?;
    if cluster.online {
        cmd::run(&mut ctl(&cluster.version, &cluster.name, "reload"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pg_lsclusters_lines() {
        let text = "15  main    5432 online postgres /var/lib/postgresql/15/main /var/log/x.log\n\
                    16  other   5433 down   postgres /var/lib/postgresql/16/other /var/log/y.log\n\
                    garbage\n";
        let clusters = parse_clusters(text);
        assert_eq!(clusters.len(), 2);
        assert_eq!(
            (clusters[0].version.as_str(), clusters[0].name.as_str()),
            ("15", "main")
        );
        assert!(clusters[0].online && clusters[0].port == 5432);
        assert!(!clusters[1].online && clusters[1].port == 5433);
    }
}
