//! In-process adapters for a single server instance.
//!
//! Every structure here that grows with traffic is bounded (see each
//! constructor) and reports its size through [`Footprint`](crate::footprint::Footprint).

mod cache;
mod events;
mod pubsub;
mod rate_limit;

pub use cache::MemoryCache;
pub use events::{BroadcastEventBus, RecordingNotifier};
pub use pubsub::MemoryPubSub;
pub use rate_limit::MemoryRateLimiter;
