//! The real-time layer: channels, per-channel sequence numbers, bounded
//! replay logs (in process or on Redis), fan-out across server instances, and
//! the transport-agnostic WebSocket connection driver.
//!
//! - [`Hub`] implements the kernel's [`EventBus`](p2p_kernel::ports::EventBus):
//!   domain services publish [`Event`](p2p_kernel::Event)s into it.
//! - [`Connection`] is one client's session (frames in, frames out);
//!   [`serve`] runs it over any [`Transport`] with heartbeats and timeouts.
//! - [`Realtime`] bundles what the socket routes need.

pub mod auth;
pub mod channel;
pub mod connection;
pub mod current;
pub mod frames;
pub mod hub;
pub mod known_topics;
mod outbox;
pub mod registry;
pub mod replay;
pub mod serve;
mod sockets;

pub use auth::{
    AnyTopic, Authenticated, Authenticator, ChannelAuthorizer, ChannelRules, TopicLookup,
};
pub use channel::{Channel, InvalidChannel};
pub use connection::{Connection, ConnectionLimits, Next, SESSION_REVOKED};
pub use current::ReplayStates;
pub use frames::{ClientFrame, ServerFrame};
pub use hub::{Hub, PublishError};
pub use known_topics::KnownTopics;
pub use registry::{LocalTask, SpawnLocal};
pub use replay::{MemoryReplayLog, RedisReplayLog, Replay, ReplayConfig, ReplayLog};
pub use serve::{CloseReason, Heartbeat, Incoming, Transport, TransportClosed, serve};

use p2p_kernel::{Actor, DomainError};
use sockets::SocketCounts;
use std::sync::Arc;

/// Everything the WebSocket routes need: the hub, handshake authentication,
/// channel authorization and the per-socket settings. Cheap to clone.
#[derive(Clone)]
pub struct Realtime {
    hub: Hub,
    authenticator: Arc<dyn Authenticator>,
    authorizer: Arc<dyn ChannelAuthorizer>,
    limits: ConnectionLimits,
    heartbeat: Heartbeat,
    sockets: Arc<SocketCounts>,
}

/// Open sockets one user may hold on an instance, unless configured.
const DEFAULT_SOCKETS_PER_USER: usize = 20;

impl Realtime {
    /// With the default limits (20 sockets per user; per socket 256 queued
    /// frames, 100 channels, 120 subscribes a minute, 100 events per replay)
    /// and heartbeat (ping every 20 s, close after 60 s of silence).
    pub fn new(
        hub: Hub,
        authenticator: Arc<dyn Authenticator>,
        authorizer: Arc<dyn ChannelAuthorizer>,
    ) -> Self {
        Self {
            hub,
            authenticator,
            authorizer,
            limits: ConnectionLimits::default(),
            heartbeat: Heartbeat::default(),
            sockets: SocketCounts::new(DEFAULT_SOCKETS_PER_USER),
        }
    }

    /// Bounds the sockets one user may hold open on this instance (a
    /// handshake beyond it is refused with 429 `too_many_sockets`).
    pub fn with_max_sockets_per_user(mut self, max: usize) -> Self {
        self.sockets = SocketCounts::new(max);
        self
    }

    /// Replaces the per-connection limits.
    pub fn with_limits(mut self, limits: ConnectionLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Replaces the heartbeat settings.
    pub fn with_heartbeat(mut self, heartbeat: Heartbeat) -> Self {
        self.heartbeat = heartbeat;
        self
    }

    /// The hub (publish through it, or hand it to the services as their `EventBus`).
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// The heartbeat settings of every socket.
    pub fn heartbeat(&self) -> Heartbeat {
        self.heartbeat
    }

    /// Checks the handshake's access token: the caller, and when the token
    /// expires as a deadline for [`Connection::expire_at`] (`None`: the
    /// authenticator does not say).
    pub async fn authenticate(
        &self,
        access_token: &str,
    ) -> Result<(Actor, Option<tokio::time::Instant>), DomainError> {
        let Authenticated { actor, expires_at } =
            self.authenticator.authenticate(access_token).await?;
        let deadline = expires_at.map(|at| {
            let left = at - time::OffsetDateTime::now_utc();
            tokio::time::Instant::now() + std::time::Duration::try_from(left).unwrap_or_default()
        });
        Ok((actor, deadline))
    }

    /// A multiplexed connection for `actor`, subscribed to its own user
    /// channel (replaying the events after `since` on that channel); 429
    /// `too_many_sockets` when the user holds as many as allowed.
    pub async fn connect(
        &self,
        actor: Actor,
        since: Option<u64>,
    ) -> Result<Connection, DomainError> {
        let permit = self.sockets.admit(actor.user_id)?;
        let mut conn = Connection::multiplexed(
            self.hub.clone(),
            actor,
            self.authorizer.clone(),
            since,
            self.limits,
        )
        .await;
        conn.hold(permit);
        Ok(conn)
    }

    /// A connection bound to `channel`, replaying from `since`; fails when the
    /// caller may not subscribe to it, the log cannot be read or the user
    /// holds as many sockets as allowed.
    pub async fn connect_bound(
        &self,
        actor: Actor,
        channel: Channel,
        since: Option<u64>,
    ) -> Result<Connection, DomainError> {
        let permit = self.sockets.admit(actor.user_id)?;
        let mut conn = Connection::bound(
            self.hub.clone(),
            actor,
            self.authorizer.clone(),
            channel,
            since,
            self.limits,
        )
        .await?;
        conn.hold(permit);
        Ok(conn)
    }
}
