//! `manifest.json`: what a backup holds and the digests `restore` checks
//! before it touches anything.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// The layout this server writes and reads.
pub const FORMAT: u32 = 1;
pub const FILE_NAME: &str = "manifest.json";
/// The database snapshot's name inside a backup.
pub const DATABASE: &str = "p2p.db";
/// The local file store's copy inside a backup.
pub const FILES: &str = "files";
/// The secrets the server generated, copied beside the database.
pub const SECRETS: &str = "secrets";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// The version of the server that wrote it.
    pub server_version: String,
    /// The last migration applied to the database when it was copied.
    pub schema: Option<String>,
    pub database: Digested,
    pub files: Digested,
    /// File names under `secrets/` (`jwt-secret`, the FDI signing key).
    pub secrets: Vec<String>,
}

/// Size and SHA-256 of a file, or of a tree (the SHA-256 of its sorted
/// `path\0sha256\n` lines), with how many files it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digested {
    pub count: u64,
    pub bytes: u64,
    pub sha256: String,
}

impl Manifest {
    pub fn read(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(FILE_NAME);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("{} is not a backup: {e}", dir.display()))?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{} is not a readable manifest: {e}", path.display()))?;
        if manifest.format != FORMAT {
            anyhow::bail!(
                "{} is backup format {}; this server reads format {FORMAT}",
                dir.display(),
                manifest.format
            );
        }
        Ok(manifest)
    }

    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        let text = serde_json::to_string_pretty(self)?;
        std::fs::write(dir.join(FILE_NAME), text + "\n")?;
        Ok(())
    }
}

/// Size and SHA-256 of one file.
pub fn digest_file(path: &Path) -> std::io::Result<Digested> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        bytes += read as u64;
    }
    Ok(Digested {
        count: 1,
        bytes,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// The digest of a tree from its files' relative paths and digests.
pub fn digest_tree(mut entries: Vec<(String, Digested)>) -> Digested {
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut hasher = Sha256::new();
    let mut bytes = 0;
    for (path, digest) in &entries {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(digest.sha256.as_bytes());
        hasher.update(b"\n");
        bytes += digest.bytes;
    }
    Digested {
        count: entries.len() as u64,
        bytes,
        sha256: hex::encode(hasher.finalize()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_digest_depends_on_paths_and_contents_not_on_order() {
        let file = |sha: &str| Digested {
            count: 1,
            bytes: 3,
            sha256: sha.into(),
        };
        let one = digest_tree(vec![("a".into(), file("1")), ("b".into(), file("2"))]);
        let same = digest_tree(vec![("b".into(), file("2")), ("a".into(), file("1"))]);
        let renamed = digest_tree(vec![("a".into(), file("1")), ("c".into(), file("2"))]);
        let changed = digest_tree(vec![("a".into(), file("1")), ("b".into(), file("3"))]);
        assert_eq!(one, same);
        assert_eq!((one.count, one.bytes), (2, 6));
        assert_ne!(one.sha256, renamed.sha256);
        assert_ne!(one.sha256, changed.sha256);
    }
}
