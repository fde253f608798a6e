//! `GET /users/me/export`: everything the platform holds about the caller,
//! as one JSON document composed from the domain services and streamed
//! section by section, page by page (see [`json::JsonSink`]), so a heavy
//! user's export is never in memory whole.
//!
//! Everything is read as the caller, through the same service calls their
//! own requests make, so the export shows exactly what they may see of
//! their data and nothing of anyone else's: a conversation's other
//! participant appears by id and name only. Posts and use cases written by
//! the caller are read from the forum's and the use cases' stores (not the
//! search index, which follows them about a second later), so what was
//! written just before the export is in it; reading them counts no view.

mod json;
mod sections;

use crate::services::Services;
use futures_util::stream::{self, Stream};
use json::{CHANNEL_CHUNKS, Chunk, JsonSink, Stop};
use p2p_kernel::{Actor, DomainError};
use tokio::sync::mpsc;

/// Items read per service call.
const PAGE: u32 = 100;

/// What the handler answers with: the file name and the body.
pub struct PersonalExport {
    pub filename: String,
    pub body: std::pin::Pin<Box<dyn Stream<Item = Chunk> + Send>>,
}

/// Starts the caller's export. The profile is read before the first byte,
/// so a refusal (an ended session, an erased account) is still a problem
/// document; later failures cut the body.
pub async fn start(services: &Services, actor: &Actor) -> Result<PersonalExport, DomainError> {
    let profile = services.identity.me(actor).await?;
    let (tx, rx) = mpsc::channel(CHANNEL_CHUNKS);
    let (services, actor) = (services.clone(), actor.clone());
    tokio::spawn(async move {
        let mut sink = JsonSink::new(tx);
        match sections::write_all(&services, &actor, &profile, &mut sink).await {
            Ok(()) | Err(Stop::Gone) => {}
            Err(Stop::Failed(e)) => {
                tracing::warn!(error = %e, user = %actor.user_id, "personal export stopped");
                sink.fail().await;
            }
        }
    });
    let body = stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    let date = time::OffsetDateTime::now_utc().date();
    Ok(PersonalExport {
        filename: format!("p2p-export-{date}.json"),
        body: Box::pin(body),
    })
}
