use crate::event::Event;
use crate::ports::PortError;
use async_trait::async_trait;

/// Where domain services announce what they changed, after the change is committed.
///
/// A publication can fail (the realtime log's backend is down): the bus logs
/// and counts the failure and returns it. It never fails the write that
/// caused it; a caller that owes the event to subscribers (an event-outbox
/// handler) returns the error so that the outbox retries it, and gives the
/// event a key ([`Event::keyed`]) so that a retry does not deliver it twice.
#[async_trait]
pub trait EventBus: Send + Sync + 'static {
    async fn publish(&self, event: Event) -> Result<(), PortError>;
}
