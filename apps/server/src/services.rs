//! The domain services, built once at startup from the settings and backends.

use crate::backends::Backends;
use crate::config::Settings;
use p2p_identity::{IdentityConfig, IdentityMemberDirectory, IdentityService};
use p2p_kernel::adapters::memory::BroadcastEventBus;
use p2p_kernel::ports::{Clock, EventBus, SystemClock};
use p2p_orgs::OrgService;
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Clone)]
pub struct Services {
    pub identity: IdentityService,
    pub orgs: OrgService,
    pub events: Arc<dyn EventBus>,
}

impl Services {
    pub fn build(
        settings: &Settings,
        backends: &Backends,
        outbox_waker: Arc<Notify>,
    ) -> anyhow::Result<Self> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let events: Arc<dyn EventBus> = Arc::new(BroadcastEventBus::default());
        let secret = settings
            .jwt_secret
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("the JWT secret was not resolved"))?;
        let mut config = IdentityConfig::new(
            secret.expose().clone(),
            settings.public_url.as_str().trim_end_matches('/'),
        );
        config.access_token_ttl = settings.access_token_ttl;
        config.refresh_token_ttl = settings.refresh_token_ttl;
        config.outbox_waker = Some(outbox_waker);
        config
            .validate()
            .map_err(|e| anyhow::anyhow!("identity configuration: {e}"))?;
        let identity = IdentityService::new(
            backends.db.clone(),
            backends.cache.clone(),
            backends.rate_limiter.clone(),
            events.clone(),
            clock.clone(),
            config,
        );
        let orgs = OrgService::new(
            backends.db.clone(),
            Arc::new(IdentityMemberDirectory::new(backends.db.clone())),
            Vec::new(),
            events.clone(),
            clock,
        );
        Ok(Self {
            identity,
            orgs,
            events,
        })
    }
}
