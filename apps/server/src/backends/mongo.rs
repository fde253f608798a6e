//! The document store: MongoDB (or any server speaking its wire protocol).

use super::retry::{ConnectError, RetryPolicy, with_retry};
use crate::config::MongoSettings;
use async_trait::async_trait;
use mongodb::bson::doc;
use mongodb::options::ClientOptions;
use p2p_kernel::persistence::MongoDeadline;
use p2p_kernel::ports::{HealthProbe, PortError};
use p2p_kernel::round_trips::RoundTrips;
use std::time::Duration;

pub async fn connect(
    settings: &MongoSettings,
    retry: RetryPolicy,
    trips: &RoundTrips,
) -> Result<mongodb::Database, ConnectError> {
    let mut options = ClientOptions::parse(settings.url.expose())
        .await
        .map_err(|e| ConnectError {
            backend: "mongodb",
            attempts: 1,
            last_error: e.to_string(),
        })?;
    options.app_name = Some("p2p-sandbox".into());
    options.command_event_handler = Some(trips.document_commands());
    options.server_selection_timeout = Some(Duration::from_secs(3));
    // The driver's server monitor waits this long for a heartbeat answer; when
    // it times out it clears the pool and interrupts every operation in
    // flight (`interrupted due to server monitor timeout`, mapped to 503).
    // SecantusDB busy with in-memory sorts and groups of 100,000 documents
    // answered pings 4-10 s late on a loaded machine (3 s and then the
    // driver's default 10 s both interrupted lists and exports). A refused
    // connection still fails at once, and server selection stays at 3 s.
    options.connect_timeout = Some(Duration::from_secs(30));
    let client = mongodb::Client::with_options(options).map_err(|e| ConnectError {
        backend: "mongodb",
        attempts: 1,
        last_error: e.to_string(),
    })?;
    let db = client.database(&settings.database);
    with_retry("mongodb", retry, || {
        let db = db.clone();
        async move { db.run_command(doc! { "ping": 1 }).await }
    })
    .await?;
    Ok(db)
}

/// Readiness of the document store: a ping within the operations' deadline,
/// the breaker's trial while MongoDB counts as down ([`MongoDeadline::probe`]).
pub struct MongoProbe {
    pub db: mongodb::Database,
    pub deadline: MongoDeadline,
}

#[async_trait]
impl HealthProbe for MongoProbe {
    fn name(&self) -> &'static str {
        "mongodb"
    }

    async fn check(&self) -> Result<(), PortError> {
        self.deadline
            .probe(self.db.run_command(doc! { "ping": 1 }))
            .await
            .map(|_| ())
            .map_err(|e| PortError::new("mongodb", e))
    }
}
