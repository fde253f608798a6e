use crate::event::Event;
use async_trait::async_trait;

/// Where domain services announce what they changed, after the change is committed.
/// Publishing never fails the write that caused it: implementations log and move on.
#[async_trait]
pub trait EventBus: Send + Sync + 'static {
    async fn publish(&self, event: Event);
}
