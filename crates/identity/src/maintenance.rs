//! Removing rows that can no longer be used.

use crate::entity::{invitation, one_time_token, refresh_token, session};
use crate::{Identity, IdentityService};
use p2p_kernel::DomainError;
use p2p_kernel::persistence::{db_error, db_time};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How many rows [`IdentityService::purge_expired`] deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PurgeReport {
    pub refresh_tokens: u64,
    pub sessions: u64,
    pub one_time_tokens: u64,
    pub invitations: u64,
}

impl Identity {
    pub(crate) async fn purge_expired(
        &self,
        keep: std::time::Duration,
    ) -> Result<PurgeReport, DomainError> {
        let now = self.now();
        let cutoff = db_time(now - keep);
        let db = self.db();
        let ended = session::Entity::find()
            .filter(
                Condition::any()
                    .add(session::Column::ExpiresAt.lt(cutoff))
                    .add(session::Column::RevokedAt.lt(cutoff)),
            )
            .all(db)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(|s| s.id)
            .collect::<Vec<_>>();
        let mut report = PurgeReport::default();
        for chunk in ended.chunks(500) {
            report.refresh_tokens += refresh_token::Entity::delete_many()
                .filter(refresh_token::Column::SessionId.is_in(chunk.iter().copied()))
                .exec(db)
                .await
                .map_err(db_error)?
                .rows_affected;
            report.sessions += session::Entity::delete_many()
                .filter(session::Column::Id.is_in(chunk.iter().copied()))
                .exec(db)
                .await
                .map_err(db_error)?
                .rows_affected;
        }
        report.refresh_tokens += refresh_token::Entity::delete_many()
            .filter(refresh_token::Column::ExpiresAt.lt(now))
            .exec(db)
            .await
            .map_err(db_error)?
            .rows_affected;
        report.one_time_tokens = one_time_token::Entity::delete_many()
            .filter(one_time_token::Column::ExpiresAt.lt(cutoff))
            .exec(db)
            .await
            .map_err(db_error)?
            .rows_affected;
        report.invitations = invitation::Entity::delete_many()
            .filter(invitation::Column::AcceptedAt.is_null())
            .filter(
                Condition::any()
                    .add(invitation::Column::ExpiresAt.lt(cutoff))
                    .add(invitation::Column::RevokedAt.lt(cutoff)),
            )
            .exec(db)
            .await
            .map_err(db_error)?
            .rows_affected;
        if report != PurgeReport::default() {
            tracing::info!(?report, "purged expired identity rows");
        }
        Ok(report)
    }
}

/// The background task that runs [`IdentityService::purge_expired`]: once at
/// start, then every `interval`, until shutdown.
pub struct ExpiredRowsPurger {
    identity: Arc<dyn IdentityService>,
    interval: Duration,
    keep: Duration,
}

impl ExpiredRowsPurger {
    /// Ended sessions and expired one-time tokens and invitations are kept
    /// for `keep` (for support and audit) before they are deleted.
    pub fn new(identity: Arc<dyn IdentityService>, interval: Duration, keep: Duration) -> Self {
        Self {
            identity,
            interval,
            keep,
        }
    }

    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if let Err(e) = self.identity.purge_expired(self.keep).await {
                tracing::warn!(error = %e, "purging expired identity rows failed");
            }
            tokio::select! {
                () = tokio::time::sleep(self.interval) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                return;
            }
        }
    }
}
