//! `state.json` in the services directory: what `services up` started, so that `down` stops
//! exactly that and nothing else.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use super::{postgres, process};

/// How a service xtask started can be found again and stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Started {
    /// A process (its command line contains the service's hint word).
    Pid(u32),
    /// A Debian PostgreSQL cluster started with `pg_ctlcluster`.
    PgCluster { version: String, cluster: String },
}

impl Started {
    /// Whether what was started still runs (a reused pid of another program does not count).
    pub fn is_alive(&self, hint: &str) -> bool {
        match self {
            Self::Pid(pid) => process::pid_matches(*pid, hint),
            Self::PgCluster { version, cluster } => postgres::cluster_online(version, cluster),
        }
    }

    /// Stops it; `Ok(false)` when it was not running any more.
    pub fn stop(&self, hint: &str) -> Result<bool> {
        match self {
            Self::Pid(pid) => process::terminate(*pid, hint),
            Self::PgCluster { version, cluster } => postgres::stop(version, cluster),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Self::Pid(pid) => json!({ "pid": pid }),
            Self::PgCluster { version, cluster } => {
                json!({ "pg_cluster": { "version": version, "cluster": cluster } })
            }
        }
    }

    fn from_json(value: &Value) -> Option<Self> {
        if let Some(pid) = value.get("pid").and_then(Value::as_u64) {
            return u32::try_from(pid).ok().map(Self::Pid);
        }
        let cluster = value.get("pg_cluster")?;
        Some(Self::PgCluster {
            version: cluster.get("version")?.as_str()?.to_owned(),
            cluster: cluster.get("cluster")?.as_str()?.to_owned(),
        })
    }
}

pub struct State {
    path: PathBuf,
    started: BTreeMap<String, Started>,
}

impl State {
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join("state.json");
        let mut started = BTreeMap::new();
        match std::fs::read(&path) {
            Ok(bytes) => {
                let value: Value = serde_json::from_slice(&bytes)
                    .with_context(|| format!("parsing {}", path.display()))?;
                let Some(services) = value.get("started").and_then(Value::as_object) else {
                    bail!("{} has no `started` object", path.display());
                };
                for (name, entry) in services {
                    let parsed = Started::from_json(entry).with_context(|| {
                        format!("unreadable entry `{name}` in {}", path.display())
                    })?;
                    started.insert(name.clone(), parsed);
                }
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                return Err(err).with_context(|| format!("reading {}", path.display()));
            }
        }
        Ok(Self { path, started })
    }

    pub fn get(&self, name: &str) -> Option<&Started> {
        self.started.get(name)
    }

    pub fn set(&mut self, name: &str, started: Started) {
        self.started.insert(name.to_owned(), started);
    }

    /// Removes an entry; true when there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        self.started.remove(name).is_some()
    }

    /// Writes the file atomically (temporary file, then rename).
    pub fn save(&self) -> Result<()> {
        let started: serde_json::Map<String, Value> = self
            .started
            .iter()
            .map(|(name, started)| (name.clone(), started.to_json()))
            .collect();
        let text = serde_json::to_string_pretty(&json!({ "started": started }))
            .context("serializing the services state")?;
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, text + "\n").with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, &self.path)
            .with_context(|| format!("replacing {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_through_json() {
        for started in [
            Started::Pid(4242),
            Started::PgCluster {
                version: "15".to_owned(),
                cluster: "main".to_owned(),
            },
        ] {
            assert_eq!(Started::from_json(&started.to_json()), Some(started));
        }
        assert_eq!(Started::from_json(&json!({ "pid": -1 })), None);
    }

    #[test]
    fn state_saves_and_loads() -> Result<()> {
        let dir = std::env::temp_dir().join(format!("xtask-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let mut state = State::load(&dir)?;
        assert!(state.get("redis").is_none());
        state.set("redis", Started::Pid(7));
        state.save()?;
        let mut again = State::load(&dir)?;
        assert_eq!(again.get("redis"), Some(&Started::Pid(7)));
        assert!(again.remove("redis"));
        assert!(!again.remove("redis"));
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }
}
