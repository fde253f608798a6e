use super::PortError;
use async_trait::async_trait;

/// A backend that `/health/ready` checks.
#[async_trait]
pub trait HealthProbe: Send + Sync + 'static {
    /// Short backend name shown in the readiness report (`database`, `redis`...).
    fn name(&self) -> &'static str;
    async fn check(&self) -> Result<(), PortError>;
}
