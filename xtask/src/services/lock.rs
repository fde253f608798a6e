//! One `services up`/`down` at a time per services directory: several people (and CI) on one
//! machine run `cargo xtask test` concurrently, and two of them starting the same service or
//! rewriting `state.json` together would lose track of what was started.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use super::process;

/// Long enough for a first-time install (s3s-fs builds for minutes).
const WAIT: Duration = Duration::from_secs(20 * 60);

/// Held while alive; the lock file holds the owner's pid so a crashed owner's lock is reclaimed.
pub struct Lock {
    path: PathBuf,
}

impl Lock {
    pub fn acquire(dir: &Path) -> Result<Self> {
        let path = dir.join("lock");
        let started = Instant::now();
        let mut told = false;
        loop {
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    write!(file, "{}", std::process::id())
                        .with_context(|| format!("writing {}", path.display()))?;
                    return Ok(Self { path });
                }
                Err(err) if err.kind() == ErrorKind::AlreadyExists => {}
                Err(err) => {
                    return Err(err).with_context(|| format!("creating {}", path.display()));
                }
            }
            let owner = std::fs::read_to_string(&path)
                .ok()
                .and_then(|text| text.trim().parse::<u32>().ok());
            match owner {
                // Written by an xtask that is gone: take it over.
                Some(pid) if !process::pid_matches(pid, "xtask") => {
                    let _ = std::fs::remove_file(&path);
                    continue;
                }
                Some(pid) if !told => {
                    println!("    waiting for another `cargo xtask services` (pid {pid})");
                    told = true;
                }
                _ => {}
            }
            if started.elapsed() >= WAIT {
                bail!(
                    "{} is still held after {} min; remove it if no `cargo xtask services` runs",
                    path.display(),
                    WAIT.as_secs() / 60
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_is_exclusive_released_on_drop_and_reclaimed_from_the_dead() -> Result<()> {
        let dir = std::env::temp_dir().join(format!("xtask-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let lock = Lock::acquire(&dir)?;
        assert!(dir.join("lock").exists());
        drop(lock);
        assert!(!dir.join("lock").exists());
        // A lock left by a pid that does not exist is taken over at once.
        std::fs::write(dir.join("lock"), "4194305")?;
        let lock = Lock::acquire(&dir)?;
        assert_eq!(
            std::fs::read_to_string(dir.join("lock"))?,
            std::process::id().to_string()
        );
        drop(lock);
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }
}
