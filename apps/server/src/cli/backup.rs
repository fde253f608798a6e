//! `p2p-server backup <DIR>` and `p2p-server restore <DIR>` for the embedded
//! default (see `p2p_server::backup`).

use std::path::Path;

pub async fn backup(args: &[String]) -> anyhow::Result<()> {
    let dest = directory(args, "backup")?;
    let settings = super::load_settings()?;
    let started = std::time::Instant::now();
    let manifest = p2p_server::backup::backup(&settings, dest).await?;
    println!(
        "backed up the database ({} bytes, schema {}) and {} files ({} bytes) into {} in {:.1} s",
        manifest.database.bytes,
        manifest.schema.as_deref().unwrap_or("empty"),
        manifest.files.count,
        manifest.files.bytes,
        dest.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub async fn restore(args: &[String]) -> anyhow::Result<()> {
    let src = directory(args, "restore")?;
    let settings = super::load_settings()?;
    let restored = p2p_server::backup::restore(&settings, src).await?;
    println!(
        "restored the backup of {} ({} files) into {}",
        restored.manifest.created_at,
        restored.manifest.files.count,
        settings.data_dir.display()
    );
    if let Some(replaced) = restored.replaced {
        println!("the data it replaced is in {}", replaced.display());
    }
    // Writes the backup caught before the indexer did are searchable again.
    super::reindex::run().await
}

fn directory<'a>(args: &'a [String], command: &str) -> anyhow::Result<&'a Path> {
    match args {
        [dir] => Ok(Path::new(dir)),
        _ => Err(anyhow::anyhow!("usage: p2p-server {command} <DIR>")),
    }
}
