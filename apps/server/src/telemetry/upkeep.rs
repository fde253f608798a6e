//! Every few seconds: drains the metrics recorder (histogram samples are kept
//! until an upkeep or a scrape; without a scraper they would pile up) and
//! publishes the size of every bounded in-memory structure as gauges.

use p2p_kernel::footprint::Footprint;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How often the figures are refreshed.
pub const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Refreshes the gauges of `structures` and of the process until shutdown.
pub async fn run(structures: Vec<Arc<dyn Footprint>>, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(UPKEEP_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => publish(&structures),
            _ = shutdown.changed() => return,
        }
    }
}

/// Publishes the current figures once.
pub fn publish(structures: &[Arc<dyn Footprint>]) {
    if let Some(handle) = super::metrics_handle() {
        handle.run_upkeep();
    }
    for structure in structures {
        for size in structure.footprint() {
            metrics::gauge!(size.gauge).set(size.value);
        }
    }
    if let Some(bytes) = resident_bytes() {
        metrics::gauge!("process_resident_memory_bytes").set(bytes);
    }
}

/// This process's resident memory, from `/proc/self/statm` (Linux).
#[allow(clippy::cast_precision_loss)]
fn resident_bytes() -> Option<f64> {
    const PAGE: u64 = 4096;
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some((pages * PAGE) as f64)
}
