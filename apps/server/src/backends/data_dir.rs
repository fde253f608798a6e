//! The embedded default's data directory belongs to one process at a time:
//! the server holds an exclusive lock on `<data dir>/server.lock` while it runs
//! on an SQLite database, and `p2p-server restore` takes the same lock before
//! it replaces the data, so it never swaps files under a running server.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// Held while the process owns the data directory; released when dropped
/// (also by the operating system when the process dies).
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another process is using the data directory {0} (it holds {0}/server.lock)")]
    InUse(PathBuf),
    #[error("cannot lock the data directory {0}: {1}")]
    Io(PathBuf, std::io::Error),
}

impl DataDirLock {
    /// Takes the lock without waiting.
    pub fn acquire(data_dir: &Path) -> Result<Self, LockError> {
        let io = |e| LockError::Io(data_dir.to_owned(), e);
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(data_dir.join("server.lock"))
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => Err(LockError::InUse(data_dir.to_owned())),
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = std::env::temp_dir().join(format!("p2p-lock-{}", uuid::Uuid::new_v4()));
        let first = DataDirLock::acquire(&dir).expect("first lock");
        assert!(matches!(
            DataDirLock::acquire(&dir),
            Err(LockError::InUse(_))
        ));
        drop(first);
        DataDirLock::acquire(&dir).expect("lock after release");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
