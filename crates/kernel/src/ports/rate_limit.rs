use super::PortError;
use async_trait::async_trait;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateDecision {
    Allowed { remaining: u32 },
    Limited { retry_after: Duration },
}

impl RateDecision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, RateDecision::Allowed { .. })
    }
}

/// Counts hits per key in fixed windows, shared across instances in the full deployment.
///
/// An in-process implementation reports its size ([`Footprint`](crate::footprint::Footprint)).
#[async_trait]
pub trait RateLimiter: crate::footprint::Footprint + 'static {
    /// Records a hit on `key` and says whether it is within `limit` per `window`.
    async fn hit(&self, key: &str, limit: u32, window: Duration)
    -> Result<RateDecision, PortError>;
    /// Forgets the key (after a successful login, for instance).
    async fn reset(&self, key: &str) -> Result<(), PortError>;
}
