//! The backends and services for a one-off command, without the HTTP server.
//! Emails and events (what follows a new post) queued by a command wait in
//! their outbox for the next server start.

use p2p_migration::{Migrator, MigratorTrait};
use p2p_server::backends::Backends;
use p2p_server::backends::retry::RetryPolicy;
use p2p_server::services::{OutboxWakers, Services};
use std::sync::Arc;

pub async fn connect() -> anyhow::Result<(Backends, Services)> {
    let mut settings = p2p_server::config::load()?;
    p2p_server::telemetry::init_tracing(settings.log_format);
    std::fs::create_dir_all(&settings.data_dir)?;
    settings.resolve_jwt_secret()?;
    let backends = Backends::connect(&settings, RetryPolicy::default()).await?;
    Migrator::up(&backends.db, None).await?;
    let hub = p2p_server::routes::ws::start_hub(&backends, &settings.bounds).await?;
    let wakers = OutboxWakers {
        mail: Arc::new(tokio::sync::Notify::new()),
        events: Arc::new(tokio::sync::Notify::new()),
    };
    let services = Services::build(&settings, &backends, wakers, Arc::new(hub)).await?;
    Ok((backends, services))
}
