//! The connection driver, independent of the transport: client frames in,
//! server frames out, subscriptions, replay and the bounded outgoing queue.

use crate::auth::ChannelAuthorizer;
use crate::channel::Channel;
use crate::frames::{ClientFrame, PONG, ServerFrame};
use crate::hub::Hub;
use crate::outbox::{Delivery, Outbox};
use crate::registry::Shard;
use crate::replay::Replay;
use crate::sockets::{SocketCounts, SocketPermit};
use bytes::Bytes;
use p2p_kernel::ports::PortError;
use p2p_kernel::{Actor, Code, DomainError, ErrorCode};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Per-connection limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Deliveries the hub may queue for a connection before it counts as a
    /// slow consumer and is disconnected.
    pub queue_capacity: usize,
    /// Channels one connection may subscribe to at once.
    pub max_subscriptions: usize,
    /// `subscribe` frames one connection may send per minute (fixed
    /// windows); beyond it they answer `rate_limited`.
    pub subscribes_per_minute: u32,
    /// Events one replay may send; a longer one answers `resync_required`.
    pub max_replay_events: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            queue_capacity: 256,
            max_subscriptions: 100,
            subscribes_per_minute: 120,
            max_replay_events: 100,
        }
    }
}

/// A connection's `subscribe` frames in the current one-minute window.
struct SubscribeBudget {
    per_minute: u32,
    window_start: Instant,
    used: u32,
}

const WINDOW: Duration = Duration::from_secs(60);

impl SubscribeBudget {
    fn new(per_minute: u32) -> Self {
        Self {
            per_minute: per_minute.max(1),
            window_start: Instant::now(),
            used: 0,
        }
    }

    /// Counts one subscribe; when the window's are used up, the seconds
    /// until the next window.
    fn take(&mut self) -> Result<(), u64> {
        let now = Instant::now();
        if now.duration_since(self.window_start) >= WINDOW {
            self.window_start = now;
            self.used = 0;
        }
        if self.used >= self.per_minute {
            let left = WINDOW.saturating_sub(now.duration_since(self.window_start));
            return Err(left.as_secs().max(1));
        }
        self.used += 1;
        Ok(())
    }
}

/// What the transport should do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Send this text frame.
    Frame(Bytes),
    /// Close the socket: the client could not keep up with its events.
    SlowConsumer,
    /// Close the socket: the session it was opened with has been revoked
    /// (the `session.revoked` event has just been sent).
    SessionRevoked,
}

/// The identity event, on the user's channel, that ends a session: its data
/// is `{"session_id": <id>}` or `{"session_ids": [<id>...]}`.
pub const SESSION_REVOKED: &str = "session.revoked";

/// Whether `frame` is a `session.revoked` event naming `session`.
fn revokes(frame: &[u8], session: uuid::Uuid) -> bool {
    #[derive(serde::Deserialize)]
    struct Revoked {
        #[serde(default)]
        session_id: Option<uuid::Uuid>,
        #[serde(default)]
        session_ids: Vec<uuid::Uuid>,
    }
    #[derive(serde::Deserialize)]
    struct Frame {
        event: String,
        data: Revoked,
    }
    let marker = format!(r#""event":"{SESSION_REVOKED}""#);
    if !frame.windows(marker.len()).any(|w| w == marker.as_bytes()) {
        return false;
    }
    serde_json::from_slice::<Frame>(frame).is_ok_and(|f| {
        f.event == SESSION_REVOKED
            && (f.data.session_id == Some(session) || f.data.session_ids.contains(&session))
    })
}

/// One client's session with the hub.
///
/// Frames the client sends go to [`Connection::handle_frame`]; frames for the
/// client come out of [`Connection::next_frame`]. Each subscribed channel's
/// events come out in sequence order, each exactly once: duplicates (replay
/// overlapping live delivery) are dropped, and a gap that cannot be filled is
/// announced with `resync_required`. Dropping the connection unsubscribes it.
pub struct Connection {
    id: u64,
    hub: Hub,
    actor: Actor,
    authorizer: Arc<dyn ChannelAuthorizer>,
    outbox: Arc<Outbox>,
    /// The shard of the thread the connection was made on (see `registry`).
    shard: Option<Arc<Shard>>,
    /// Subscribed channels and the last sequence number sent for each.
    subscriptions: HashMap<Channel, u64>,
    /// Frames to send before anything from the outbox (answers, replays).
    pending: VecDeque<Bytes>,
    /// Legacy sockets are bound to one channel and accept only `ping`.
    bound: bool,
    /// The caller's session was revoked: close after the pending frames.
    revoked: bool,
    /// When the access token the socket was opened with expires.
    expires_at: Option<tokio::time::Instant>,
    max_subscriptions: u32,
    max_replay_events: u32,
    subscribes: SubscribeBudget,
    /// Where this socket holds a place among its user's (released on drop).
    sockets: Option<Arc<SocketCounts>>,
}

/// Above this capacity, an emptied pending queue gives its memory back.
const KEEP_PENDING: usize = 16;

impl Connection {
    fn new(
        hub: Hub,
        actor: Actor,
        authorizer: Arc<dyn ChannelAuthorizer>,
        limits: ConnectionLimits,
        bound: bool,
    ) -> Self {
        Self {
            id: hub.connection_id(),
            outbox: Arc::new(Outbox::new(limits.queue_capacity)),
            shard: hub.registry().shard_of_this_thread(),
            hub,
            actor,
            authorizer,
            subscriptions: HashMap::new(),
            pending: VecDeque::new(),
            bound,
            revoked: false,
            expires_at: None,
            max_subscriptions: saturating_u32(limits.max_subscriptions.max(1)),
            max_replay_events: saturating_u32(limits.max_replay_events),
            subscribes: SubscribeBudget::new(limits.subscribes_per_minute),
            sockets: None,
        }
    }

    /// Holds `permit` (this socket's place among its user's) until dropped.
    pub(crate) fn hold(&mut self, permit: SocketPermit) {
        self.sockets = permit.into_counts();
    }

    /// A multiplexed connection (`GET /ws`), already subscribed to the
    /// caller's own `user:<id>` channel (its `subscribed` frame comes first,
    /// then, with `since`, the events of that channel after it).
    pub async fn multiplexed(
        hub: Hub,
        actor: Actor,
        authorizer: Arc<dyn ChannelAuthorizer>,
        since: Option<u64>,
        limits: ConnectionLimits,
    ) -> Self {
        let mut conn = Self::new(hub, actor, authorizer, limits, false);
        let own = Channel::user(conn.actor.user_id);
        if let Err(e) = conn.subscribe(own, since).await {
            conn.push_error(&unavailable(e), Some(own));
        }
        conn
    }

    /// A connection bound to one channel (the legacy `GET /ws/forum/{topic_id}`):
    /// the caller must be allowed to subscribe to it, and with `since` the
    /// missed events are replayed. Fails before any socket is opened.
    pub async fn bound(
        hub: Hub,
        actor: Actor,
        authorizer: Arc<dyn ChannelAuthorizer>,
        channel: Channel,
        since: Option<u64>,
        limits: ConnectionLimits,
    ) -> Result<Self, DomainError> {
        let mut conn = Self::new(hub, actor, authorizer, limits, true);
        if !conn.authorizer.can_subscribe(&conn.actor, &channel).await? {
            return Err(forbidden());
        }
        conn.subscribe(channel, since).await?;
        Ok(conn)
    }

    /// The authenticated caller.
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Ends the socket when the access token it was opened with expires (the
    /// client reconnects with a fresh token and `since`, missing nothing).
    pub fn expire_at(&mut self, at: tokio::time::Instant) {
        self.expires_at = Some(at);
    }

    /// When the socket's access token expires, if it was told.
    pub fn expires_at(&self) -> Option<tokio::time::Instant> {
        self.expires_at
    }

    /// The channels this connection is subscribed to.
    pub fn channels(&self) -> impl Iterator<Item = &Channel> {
        self.subscriptions.keys()
    }

    /// Handles one text frame from the client; answers are queued for
    /// [`Self::next_frame`].
    pub async fn handle_frame(&mut self, text: &[u8]) {
        let frame = match serde_json::from_slice::<ClientFrame>(text) {
            Ok(frame) => frame,
            Err(_) => {
                self.push(ServerFrame::error(
                    Code::InvalidFrame,
                    "expected a JSON object with type subscribe, unsubscribe or ping",
                    None,
                ));
                return;
            }
        };
        match frame {
            ClientFrame::Ping => self.pending.push_back(Bytes::from_static(PONG)),
            ClientFrame::Subscribe { channel, .. } | ClientFrame::Unsubscribe { channel }
                if self.bound =>
            {
                self.push(ServerFrame::error(
                    Code::Unsupported,
                    "this socket is bound to one topic; use /ws to choose channels",
                    Some(channel),
                ));
            }
            ClientFrame::Subscribe { channel, since } => {
                if let Err(retry_in) = self.subscribes.take() {
                    metrics::counter!("websocket_limited_total", "limit" => "subscribe_rate")
                        .increment(1);
                    let message = format!(
                        "at most {} subscribes per minute on one socket; retry in {retry_in} s",
                        self.subscribes.per_minute
                    );
                    self.push(ServerFrame::error(
                        Code::RateLimited,
                        message,
                        Some(channel),
                    ));
                    return;
                }
                match Channel::parse(&channel) {
                    Ok(parsed) => self.subscribe_checked(parsed, since).await,
                    Err(e) => self.push(ServerFrame::error(
                        Code::InvalidChannel,
                        e.to_string(),
                        Some(channel),
                    )),
                }
            }
            ClientFrame::Unsubscribe { channel } => match Channel::parse(&channel) {
                Ok(parsed) => {
                    self.unsubscribe(&parsed);
                    self.push(ServerFrame::Unsubscribed {
                        channel: parsed.to_string(),
                    });
                }
                Err(e) => self.push(ServerFrame::error(
                    Code::InvalidChannel,
                    e.to_string(),
                    Some(channel),
                )),
            },
        }
    }

    /// The next frame to send, waiting for one. Cancel-safe.
    pub async fn next_frame(&mut self) -> Next {
        loop {
            if let Some(frame) = self.pending.pop_front() {
                if self.pending.is_empty() && self.pending.capacity() > KEEP_PENDING {
                    self.pending = VecDeque::new();
                }
                return Next::Frame(frame);
            }
            if self.revoked {
                return Next::SessionRevoked;
            }
            match self.outbox.recv().await {
                Err(_) => return Next::SlowConsumer,
                Ok(Delivery::Event(event)) => {
                    let Some(last) = self.subscriptions.get_mut(&event.channel) else {
                        continue; // unsubscribed meanwhile
                    };
                    if event.seq <= *last {
                        continue; // already sent (replay overlapping live delivery)
                    }
                    if event.seq > *last + 1 {
                        // Missed events the hub could not recover.
                        *last = event.seq;
                        self.push(ServerFrame::ResyncRequired {
                            channel: event.channel.to_string(),
                            from_seq: event.seq,
                        });
                        self.pending.push_back(event.frame.clone());
                        continue;
                    }
                    *last = event.seq;
                    if event.channel == Channel::user(self.actor.user_id)
                        && revokes(&event.frame, self.actor.session_id.0)
                    {
                        self.revoked = true;
                    }
                    return Next::Frame(event.frame.clone());
                }
                Ok(Delivery::Resync {
                    channel,
                    from_seq,
                    reset,
                }) => {
                    let Some(last) = self.subscriptions.get_mut(&channel) else {
                        continue;
                    };
                    if !reset && *last + 1 >= from_seq {
                        continue; // nothing this connection needed was lost
                    }
                    *last = from_seq.saturating_sub(1);
                    self.push(ServerFrame::ResyncRequired {
                        channel: channel.to_string(),
                        from_seq,
                    });
                }
            }
        }
    }

    /// Whether the hub gave up on this connection (its queue overflowed).
    pub fn is_slow_consumer(&self) -> bool {
        self.outbox.overflowed()
    }

    fn push(&mut self, frame: ServerFrame) {
        self.pending.push_back(frame.encode());
    }

    fn push_error(&mut self, error: &DomainError, channel: Option<Channel>) {
        let message = if error.kind().is_server_error() {
            match error.kind() {
                p2p_kernel::ErrorKind::Unavailable => error.public_detail(),
                _ => "internal error".to_owned(),
            }
        } else {
            error.public_detail()
        };
        self.push(ServerFrame::error(
            error.code(),
            message,
            channel.map(|c| c.to_string()),
        ));
    }

    async fn subscribe_checked(&mut self, channel: Channel, since: Option<u64>) {
        if !self.subscriptions.contains_key(&channel)
            && self.subscriptions.len() >= self.max_subscriptions as usize
        {
            self.push(ServerFrame::error(
                Code::TooManySubscriptions,
                format!(
                    "at most {} channels per connection; unsubscribe from one first",
                    self.max_subscriptions
                ),
                Some(channel.to_string()),
            ));
            return;
        }
        let own = channel == Channel::user(self.actor.user_id);
        if !own {
            match self.authorizer.can_subscribe(&self.actor, &channel).await {
                Ok(true) => {}
                Ok(false) => {
                    self.push_error(&forbidden(), Some(channel));
                    return;
                }
                Err(e) => {
                    if e.kind().is_server_error() {
                        tracing::warn!(%channel, error = %e, "channel authorization failed");
                    }
                    self.push_error(&e, Some(channel));
                    return;
                }
            }
        }
        if let Err(e) = self.subscribe(channel, since).await {
            self.push_error(&unavailable(e), Some(channel));
        }
    }

    /// Registers for live events first, then reads the log: every event is
    /// either in the replay or arrives live afterwards (duplicates are dropped
    /// by sequence number in `next_frame`).
    async fn subscribe(&mut self, channel: Channel, since: Option<u64>) -> Result<(), PortError> {
        let newly =
            self.hub
                .registry()
                .register(channel, self.id, &self.outbox, self.shard.as_ref());
        if newly {
            // Recorded before reading the log: a socket dropped during the
            // read still unregisters (see `Drop`). Nothing is delivered
            // meanwhile (`next_frame` needs this connection).
            self.subscriptions.insert(channel, 0);
        }
        let read = match since {
            Some(since) => {
                let max = self.max_replay_events as usize;
                self.hub.replay(&channel, since, &self.actor, max).await
            }
            None => self.hub.head(&channel).await.map(|head| Replay::Events {
                head,
                events: Vec::new(),
            }),
        };
        let replay = match read {
            Ok(replay) => replay,
            Err(e) => {
                if newly {
                    self.unsubscribe(&channel);
                }
                return Err(e);
            }
        };
        let head = replay.head();
        self.push(ServerFrame::Subscribed {
            channel: channel.to_string(),
            seq: head,
        });
        let mut last = head;
        match replay {
            Replay::Events { events, .. } => {
                for event in events {
                    last = last.max(event.seq);
                    self.pending.push_back(event.frame.clone());
                }
            }
            Replay::Truncated { .. } => self.push(ServerFrame::ResyncRequired {
                channel: channel.to_string(),
                from_seq: head + 1,
            }),
        }
        self.subscriptions.insert(channel, last);
        Ok(())
    }

    fn unsubscribe(&mut self, channel: &Channel) {
        if self.subscriptions.remove(channel).is_some() {
            self.hub.registry().unregister(channel, self.id);
        }
        if self.subscriptions.is_empty() {
            self.subscriptions = HashMap::new();
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        for channel in self.subscriptions.keys() {
            self.hub.registry().unregister(channel, self.id);
        }
        if let Some(sockets) = self.sockets.take() {
            sockets.release(self.actor.user_id);
        }
    }
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn forbidden() -> DomainError {
    DomainError::forbidden("you may not subscribe to this channel")
}

fn unavailable(e: PortError) -> DomainError {
    DomainError::from(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn subscribes_are_counted_in_one_minute_windows() {
        let mut budget = SubscribeBudget::new(3);
        assert_eq!([budget.take(), budget.take(), budget.take()], [Ok(()); 3]);
        assert_eq!(budget.take(), Err(60));
        tokio::time::advance(Duration::from_secs(45)).await;
        assert_eq!(budget.take(), Err(15), "refused until the window ends");
        tokio::time::advance(Duration::from_secs(15)).await;
        assert_eq!(budget.take(), Ok(()), "a new window");
        assert_eq!(SubscribeBudget::new(0).per_minute, 1);
    }
}
