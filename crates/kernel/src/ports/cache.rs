use super::PortError;
use async_trait::async_trait;
use std::time::Duration;

/// A key-value cache with per-entry expiry, shared by every server instance
/// in the full deployment.
///
/// An in-process implementation reports its size ([`Footprint`](crate::footprint::Footprint)).
#[async_trait]
pub trait Cache: crate::footprint::Footprint + 'static {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError>;
    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), PortError>;
    /// Stores the value only if the key is absent; true when it was stored.
    async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, PortError>;
    async fn delete(&self, key: &str) -> Result<(), PortError>;
}
