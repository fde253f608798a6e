use super::PortError;
use async_trait::async_trait;
use futures_util::stream::BoxStream;

pub type MessageStream = BoxStream<'static, Vec<u8>>;

/// Broadcast messages between server instances. Delivery is at most once, to
/// subscribers connected at publish time; durable replay is the realtime hub's job.
///
/// An in-process implementation reports its size ([`Footprint`](crate::footprint::Footprint)).
#[async_trait]
pub trait PubSub: crate::footprint::Footprint + 'static {
    async fn publish(&self, channel: &str, payload: &[u8]) -> Result<(), PortError>;
    /// A stream of every payload published on `channel` from now on. The stream
    /// survives backend outages (it reconnects); it ends when dropped.
    async fn subscribe(&self, channel: &str) -> Result<MessageStream, PortError>;
}
