//! [`Identity`]: construction and the helpers every flow shares. The flows
//! themselves live in `auth/` and `users/`, one file per concern; the
//! [`crate::IdentityService`] trait is what others call.

use crate::config::{IdentityConfig, RateRule};
use crate::jwt::JwtKeys;
use crate::password::Passwords;
use p2p_kernel::persistence::{begin_write, db_error, db_time};
use p2p_kernel::ports::{Cache, Clock, EventBus, OutgoingEmail, RateDecision, RateLimiter};
use p2p_kernel::{DomainError, Event};
use p2p_orgs::OrganizationRegistry;
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction};
use std::sync::Arc;
use time::OffsetDateTime;

/// The identity domain, behind [`crate::IdentityService`]. Cheap to clone;
/// build it once at startup and share it.
#[derive(Clone)]
pub struct Identity {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub db: DatabaseConnection,
    pub cache: Arc<dyn Cache>,
    pub limiter: Arc<dyn RateLimiter>,
    pub events: Arc<dyn EventBus>,
    pub clock: Arc<dyn Clock>,
    /// The organizations (their crate's port): created and locked inside
    /// this domain's transactions.
    pub orgs: Arc<dyn OrganizationRegistry>,
    pub config: IdentityConfig,
    pub passwords: Passwords,
    pub jwt: JwtKeys,
    /// The FDI's RS256 keys, loaded on first use (`fdi::session`).
    pub fdi_keys: tokio::sync::OnceCell<crate::fdi::RsaKeys>,
}

impl Identity {
    /// Builds the service. Check the configuration with
    /// [`IdentityConfig::validate`] first.
    pub fn new(
        db: DatabaseConnection,
        cache: Arc<dyn Cache>,
        limiter: Arc<dyn RateLimiter>,
        events: Arc<dyn EventBus>,
        clock: Arc<dyn Clock>,
        orgs: Arc<dyn OrganizationRegistry>,
        config: IdentityConfig,
    ) -> Self {
        let passwords = Passwords::new(config.hash_concurrency);
        let jwt = JwtKeys::new(&config.jwt_secret);
        Self {
            inner: Arc::new(Inner {
                db,
                cache,
                limiter,
                events,
                clock,
                orgs,
                config,
                passwords,
                jwt,
                fdi_keys: tokio::sync::OnceCell::new(),
            }),
        }
    }

    pub fn config(&self) -> &IdentityConfig {
        &self.inner.config
    }

    /// The bounded password hasher (also used by benchmarks to measure hash time).
    pub fn passwords(&self) -> &Passwords {
        &self.inner.passwords
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    /// The current time, normalized for storage (see [`db_time`]).
    pub(crate) fn now(&self) -> OffsetDateTime {
        db_time(self.inner.clock.now())
    }

    /// A writing transaction (on SQLite it takes the write lock at once, so a
    /// transaction that reads first never fails with "database is locked").
    pub(crate) async fn begin(&self) -> Result<DatabaseTransaction, DomainError> {
        begin_write(&self.inner.db).await
    }

    /// Queues an email in the caller's transaction (delivered after commit).
    pub(crate) async fn enqueue_email(
        &self,
        conn: &impl ConnectionTrait,
        email: &OutgoingEmail,
    ) -> Result<(), DomainError> {
        p2p_kernel::outbox::enqueue(conn, email)
            .await
            .map_err(db_error)
    }

    /// Tells the outbox worker that an email was committed.
    pub(crate) fn wake_outbox(&self) {
        if let Some(waker) = &self.inner.config.outbox_waker {
            waker.notify_one();
        }
    }

    pub(crate) async fn publish(&self, channel: String, name: &str, data: serde_json::Value) {
        // Best-effort live delivery: the bus logs and counts a failure.
        let _ = self
            .inner
            .events
            .publish(Event::new(channel, name, data))
            .await;
    }

    /// Counts a hit on `key`; 429 once `rule` is exceeded. If the limiter's
    /// backend is down the request is let through (and logged): an outage of
    /// the cache must not lock everyone out.
    pub(crate) async fn limit(&self, key: &str, rule: RateRule) -> Result<(), DomainError> {
        match self.hit(key, rule).await {
            Some(retry_after) => Err(Self::rate_limited(retry_after)),
            None => Ok(()),
        }
    }

    /// Counts a hit; returns the retry delay when over the limit.
    pub(crate) async fn hit(&self, key: &str, rule: RateRule) -> Option<std::time::Duration> {
        match self.decide(key, rule).await {
            RateDecision::Allowed { .. } => None,
            RateDecision::Limited { retry_after } => Some(retry_after),
        }
    }

    /// Counts a hit and says what the limiter decided; when its backend is
    /// down the hit is allowed as if it were the first of its window.
    pub(crate) async fn decide(&self, key: &str, rule: RateRule) -> RateDecision {
        match self
            .inner
            .limiter
            .hit(&format!("identity:{key}"), rule.limit, rule.window)
            .await
        {
            Ok(decision) => decision,
            Err(e) => {
                tracing::warn!(error = %e, key, "rate limiter unavailable, request allowed");
                RateDecision::Allowed {
                    remaining: rule.limit.saturating_sub(1),
                }
            }
        }
    }

    /// 429 with `retry_after`, counted in `rate_limited_total`.
    pub(crate) fn rate_limited(retry_after: std::time::Duration) -> DomainError {
        metrics::counter!("rate_limited_total", "domain" => "identity").increment(1);
        DomainError::rate_limited(retry_after.as_secs().max(1))
    }

    pub(crate) async fn reset_limit(&self, key: &str) {
        if let Err(e) = self.inner.limiter.reset(&format!("identity:{key}")).await {
            tracing::warn!(error = %e, key, "rate limiter reset failed");
        }
    }
}

/// Commits a transaction.
pub(crate) async fn commit(txn: DatabaseTransaction) -> Result<(), DomainError> {
    txn.commit().await.map_err(db_error)
}

/// Client details trimmed to what the sessions table keeps.
pub(crate) fn clip(value: Option<&str>, max: usize) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| v.chars().take(max).collect())
}
