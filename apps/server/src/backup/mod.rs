//! Backups of the embedded default (SQLite and local files).
//!
//! `p2p-server backup <DIR>` runs beside a serving server: it snapshots the
//! database with `VACUUM INTO` (one read transaction, so the copy is
//! consistent while writes go on), then copies the local file store's objects
//! and sidecars (uploads in progress left out) and the secrets the server
//! generated, and writes a manifest of digests. The database is copied first:
//! an object uploaded after the snapshot is an unreferenced extra in the
//! backup, never a missing file of a row it holds (objects are only removed
//! by erasure and moderation, which the note in `docs/operations.md` covers).
//!
//! `p2p-server restore <DIR>` needs the server stopped (it takes the data
//! directory's lock, see [`crate::backends::data_dir`]), checks the manifest's
//! digests and the database's integrity, refuses a backup whose schema this
//! binary does not know, moves the current data aside into
//! `<data dir>/replaced-<time>/` and puts the backup in its place.
//!
//! The full stack is backed up with each service's own tools
//! (`docs/operations.md`).

pub mod manifest;
mod tree;

use crate::backends::data_dir::DataDirLock;
use crate::backends::database::sqlite_file;
use crate::config::{DatabaseBackend, Settings};
use anyhow::{Context, bail};
use manifest::{DATABASE, Digested, FILES, Manifest, SECRETS, digest_file};
use p2p_migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The local store's directory of uploads in progress.
const UPLOADS_IN_PROGRESS: &str = "tmp";

/// Writes a backup of the running (or stopped) embedded data into `dest`,
/// which must not exist yet or be empty.
pub async fn backup(settings: &Settings, dest: &Path) -> anyhow::Result<Manifest> {
    let database = embedded_database(settings)?;
    prepare_destination(dest)?;
    let db = Database::connect(settings.database_url.expose().as_str())
        .await
        .context("cannot open the database")?;
    let schema = last_migration(&db).await?;
    let snapshot = dest.join(DATABASE);
    let path = snapshot
        .to_str()
        .context("the backup directory's path is not UTF-8")?;
    db.execute_unprepared(&format!("VACUUM INTO '{}'", path.replace('\'', "''")))
        .await
        .with_context(|| format!("cannot snapshot {}", database.display()))?;
    db.close().await?;
    let settings = settings.clone();
    let dest = dest.to_owned();
    tokio::task::spawn_blocking(move || {
        restrict(&snapshot)?;
        let database = digest_file(&snapshot)?;
        let files = tree::copy(
            &settings.data_dir.join(FILES),
            &dest.join(FILES),
            &[UPLOADS_IN_PROGRESS],
        )?;
        let secrets = copy_secrets(&secret_files(&settings), &dest.join(SECRETS))?;
        let manifest = Manifest {
            format: manifest::FORMAT,
            created_at: OffsetDateTime::now_utc().format(&Rfc3339)?,
            server_version: env!("CARGO_PKG_VERSION").to_owned(),
            schema,
            database,
            files,
            secrets,
        };
        manifest.write(&dest)?;
        restrict(&dest.join(manifest::FILE_NAME))?;
        Ok(manifest)
    })
    .await?
}

/// What [`restore`] did.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    /// Where the data it replaced went (`None` when there was none).
    pub replaced: Option<PathBuf>,
}

/// Puts the backup in `src` in place of the embedded data; the server must be
/// stopped. Nothing is changed unless the backup checks out.
pub async fn restore(settings: &Settings, src: &Path) -> anyhow::Result<Restored> {
    let database = embedded_database(settings)?;
    let _lock =
        DataDirLock::acquire(&settings.data_dir).context("stop the server before restoring")?;
    let manifest = Manifest::read(src)?;
    check_schema(&manifest)?;
    let checked = manifest.clone();
    let source = src.to_owned();
    tokio::task::spawn_blocking(move || verify_digests(&source, &checked)).await??;
    check_integrity(&src.join(DATABASE)).await?;
    let settings = settings.clone();
    let src = src.to_owned();
    tokio::task::spawn_blocking(move || {
        let replaced = move_aside(&settings, &database)?;
        if let Some(dir) = database.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::copy(src.join(DATABASE), &database)?;
        tree::copy(&src.join(FILES), &settings.data_dir.join(FILES), &[])?;
        for (name, target) in secret_files(&settings) {
            let saved = src.join(SECRETS).join(name);
            if manifest.secrets.iter().any(|s| s == name) {
                std::fs::copy(&saved, &target)?;
                restrict(&target)?;
            }
        }
        Ok(Restored { manifest, replaced })
    })
    .await?
}

/// The SQLite file, or why this is not the embedded default.
fn embedded_database(settings: &Settings) -> anyhow::Result<PathBuf> {
    if settings.database_backend != DatabaseBackend::Sqlite {
        bail!(
            "backup and restore handle the embedded default (SQLite and local files); \
             back up PostgreSQL, MongoDB and S3 with their own tools (docs/operations.md)"
        );
    }
    if settings.s3.is_some() {
        bail!(
            "files are on S3: back the bucket up with the S3 server's tools (docs/operations.md)"
        );
    }
    sqlite_file(settings.database_url.expose()).context("the database is in memory")
}

fn prepare_destination(dest: &Path) -> anyhow::Result<()> {
    if dest.exists() && std::fs::read_dir(dest)?.next().is_some() {
        bail!(
            "{} is not empty: back up into a new directory",
            dest.display()
        );
    }
    std::fs::create_dir_all(dest).with_context(|| format!("cannot create {}", dest.display()))?;
    restrict(dest)?;
    Ok(())
}

/// The last migration the database has applied.
async fn last_migration(db: &DatabaseConnection) -> anyhow::Result<Option<String>> {
    let applied = Migrator::get_applied_migrations(db).await?;
    Ok(applied.last().map(|m| m.name().to_owned()))
}

/// A backup made by a newer server has migrations this binary cannot undo or
/// know: refused. An older one is migrated forward when the server starts.
fn check_schema(manifest: &Manifest) -> anyhow::Result<()> {
    let Some(schema) = &manifest.schema else {
        return Ok(());
    };
    if Migrator::migrations().iter().any(|m| m.name() == schema) {
        return Ok(());
    }
    bail!(
        "the backup's schema ({schema}, server {}) is newer than this server ({}): restore it with that version",
        manifest.server_version,
        env!("CARGO_PKG_VERSION")
    )
}

fn verify_digests(src: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let compare = |what: &str, found: Digested, expected: &Digested| {
        if &found == expected {
            Ok(())
        } else {
            Err(anyhow::anyhow!(
                "the backup's {what} does not match its manifest (damaged or changed since)"
            ))
        }
    };
    let database = digest_file(&src.join(DATABASE)).context("the backup has no database")?;
    compare("database", database, &manifest.database)?;
    compare(
        "files",
        tree::digest(&src.join(FILES), &[])?,
        &manifest.files,
    )
}

async fn check_integrity(file: &Path) -> anyhow::Result<()> {
    let url = format!("sqlite://{}?mode=ro", file.display());
    let db = Database::connect(url.as_str()).await?;
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "PRAGMA integrity_check",
        ))
        .await?
        .context("no answer to the integrity check")?;
    let verdict: String = row.try_get_by_index(0)?;
    db.close().await?;
    if verdict != "ok" {
        bail!("the backup's database fails SQLite's integrity check: {verdict}");
    }
    Ok(())
}

/// Moves the current database (with its WAL files) and file store into
/// `<data dir>/replaced-<time>/`.
fn move_aside(settings: &Settings, database: &Path) -> anyhow::Result<Option<PathBuf>> {
    let mut present = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        present.push(PathBuf::from(name));
    }
    present.push(settings.data_dir.join(FILES));
    present.retain(|p| p.exists());
    if present.is_empty() {
        return Ok(None);
    }
    let stamp = OffsetDateTime::now_utc().unix_timestamp();
    let aside = settings.data_dir.join(format!("replaced-{stamp}"));
    std::fs::create_dir_all(&aside)?;
    for path in present {
        let name = path.file_name().context("a data path without a name")?;
        std::fs::rename(&path, aside.join(name)).with_context(|| {
            format!(
                "cannot move {} aside (is it on another file system than the data directory?)",
                path.display()
            )
        })?;
    }
    Ok(Some(aside))
}

/// The secrets the server keeps in files, by their name in a backup.
fn secret_files(settings: &Settings) -> Vec<(&'static str, PathBuf)> {
    vec![
        ("jwt-secret", settings.data_dir.join("jwt-secret")),
        ("fdi-signing-key.pem", settings.fdi_signing_key_file.clone()),
    ]
}

fn copy_secrets(secrets: &[(&'static str, PathBuf)], to: &Path) -> anyhow::Result<Vec<String>> {
    let mut copied = Vec::new();
    for (name, path) in secrets {
        if path.exists() {
            std::fs::create_dir_all(to)?;
            restrict(to)?;
            let target = to.join(name);
            std::fs::copy(path, &target)?;
            restrict(&target)?;
            copied.push((*name).to_owned());
        }
    }
    Ok(copied)
}

/// Owner-only permissions: a backup holds every account and the server's secrets.
fn restrict(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if path.is_dir() { 0o700 } else { 0o600 };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}
