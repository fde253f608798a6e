//! `p2p-server reindex`: rebuilds the search index (and the dashboard's read
//! model and trending scores) from the stores. Run it after restoring a
//! backup, after `seed`, or when the index may have missed events (a crash
//! between a commit and its event): the live indexer follows events only.

pub async fn run() -> anyhow::Result<()> {
    let (_backends, services) = super::context::connect().await?;
    let started = std::time::Instant::now();
    let counts = services
        .discovery
        .indexer
        .reindex()
        .await
        .map_err(|e| anyhow::anyhow!("reindex failed: {e}"))?;
    let index = services.discovery.search.index().clone();
    p2p_dashboard::trending::refresh(&index, time::OffsetDateTime::now_utc())
        .await
        .map_err(|e| anyhow::anyhow!("trending refresh failed: {e}"))?;
    for (kind, n) in counts {
        println!("{:>10} {}", n, kind.as_str());
    }
    println!("reindexed in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
