//! Copying the local file store's tree file by file, digesting as it goes.

use super::manifest::{Digested, digest_file, digest_tree};
use std::path::Path;

/// Copies every file under `from` into `to` (created), leaving out the
/// top-level directories named in `skip`, and returns the tree's digest.
/// A missing `from` is an empty tree.
pub fn copy(from: &Path, to: &Path, skip: &[&str]) -> std::io::Result<Digested> {
    let mut entries = Vec::new();
    if from.exists() {
        walk(from, "", skip, &mut |relative, path| {
            let target = to.join(relative);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::copy(path, &target)?;
            entries.push((relative.to_owned(), digest_file(&target)?));
            Ok(())
        })?;
    }
    Ok(digest_tree(entries))
}

/// The digest of the tree under `root`, as [`copy`] computes it.
pub fn digest(root: &Path, skip: &[&str]) -> std::io::Result<Digested> {
    let mut entries = Vec::new();
    if root.exists() {
        walk(root, "", skip, &mut |relative, path| {
            entries.push((relative.to_owned(), digest_file(path)?));
            Ok(())
        })?;
    }
    Ok(digest_tree(entries))
}

/// Calls `visit(relative path, path)` for every regular file under `dir`
/// (symbolic links are not followed: the store never makes them).
fn walk(
    dir: &Path,
    prefix: &str,
    skip: &[&str],
    visit: &mut dyn FnMut(&str, &Path) -> std::io::Result<()>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if prefix.is_empty() && skip.contains(&name.as_str()) {
            continue;
        }
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&entry.path(), &relative, &[], visit)?;
        } else if kind.is_file() {
            visit(&relative, &entry.path())?;
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_digests_like_its_source_and_leaves_skipped_directories_out() {
        let root = std::env::temp_dir().join(format!("p2p-tree-{}", uuid::Uuid::new_v4()));
        let (from, to) = (root.join("from"), root.join("to"));
        std::fs::create_dir_all(from.join("objects/ab")).unwrap();
        std::fs::create_dir_all(from.join("tmp")).unwrap();
        std::fs::write(from.join("objects/ab/cd"), "تقرير الصيانة").unwrap();
        std::fs::write(from.join("tmp/upload"), "half").unwrap();
        let copied = copy(&from, &to, &["tmp"]).unwrap();
        assert_eq!(copied.count, 1);
        assert_eq!(copied, digest(&to, &[]).unwrap());
        assert_eq!(copied, digest(&from, &["tmp"]).unwrap());
        assert!(!to.join("tmp").exists());
        std::fs::write(to.join("objects/ab/cd"), "changed").unwrap();
        assert_ne!(copied, digest(&to, &[]).unwrap());
        let _ = std::fs::remove_dir_all(&root);
    }
}
