//! [`MessagingService`]: private 1:1 conversations, read state and blocks.

mod blocks;
mod read;
mod send;

use crate::entity::message;
use p2p_kernel::Event;
use p2p_kernel::ids::{MessageId, UserId};
use p2p_kernel::ports::{EventBus, Notifier, RateLimiter, UserDirectory, UserSummary};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

use crate::types::MessageView;

/// How many messages a user may send per window (spam protection).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendLimit {
    pub messages: u32,
    pub window: Duration,
}

impl Default for SendLimit {
    fn default() -> Self {
        Self {
            messages: 60,
            window: Duration::from_secs(60),
        }
    }
}

/// Private messaging between any two active users of the platform.
///
/// A message is visible to its two participants only. Events (after the
/// write): `message.created` (a [`MessageView`]) on the recipient's and the
/// sender's `user:<id>` channels, so every device of both sees it;
/// `message.read` (a [`crate::ReadState`]) on the reader's channel (their other
/// devices) and on the other participant's (read receipt). A new message also
/// notifies the recipient (kind `message`) through the [`Notifier`] port.
#[derive(Clone)]
pub struct MessagingService {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    events: Arc<dyn EventBus>,
    users: Arc<dyn UserDirectory>,
    limiter: Arc<dyn RateLimiter>,
    notifier: Arc<dyn Notifier>,
    send_limit: SendLimit,
}

impl MessagingService {
    /// `db` holds the messaging tables (run the migrations first).
    pub fn new(
        db: DatabaseConnection,
        events: Arc<dyn EventBus>,
        users: Arc<dyn UserDirectory>,
        limiter: Arc<dyn RateLimiter>,
        notifier: Arc<dyn Notifier>,
        send_limit: SendLimit,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                events,
                users,
                limiter,
                notifier,
                send_limit,
            }),
        }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    /// Summaries of users by id; a failing directory leaves them out.
    async fn summaries(&self, ids: &[UserId]) -> HashMap<UserId, UserSummary> {
        let mut ids = ids.to_vec();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            return HashMap::new();
        }
        match self.inner.users.summaries(&ids).await {
            Ok(list) => list.into_iter().map(|u| (u.id, u)).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "user directory failed; users left out");
                HashMap::new()
            }
        }
    }

    async fn publish(&self, user: UserId, name: &str, data: &impl Serialize) {
        match serde_json::to_value(data) {
            Ok(data) => {
                self.inner
                    .events
                    .publish(Event::new(user_channel(user), name, data))
                    .await
            }
            Err(e) => tracing::warn!(error = %e, event = name, "event data not serializable"),
        }
    }
}

pub(crate) fn user_channel(user: UserId) -> String {
    format!("user:{user}")
}

/// The conversation's key: its two participants, lower id first.
pub(crate) fn pair(a: UserId, b: UserId) -> (Uuid, Uuid) {
    if a.0 <= b.0 { (a.0, b.0) } else { (b.0, a.0) }
}

pub(crate) fn message_view(m: message::Model) -> MessageView {
    MessageView {
        id: MessageId(m.id),
        sender_id: UserId(m.sender_id),
        recipient_id: UserId(m.recipient_id),
        content: m.content,
        content_html: m.content_html,
        created_at: m.created_at,
    }
}
