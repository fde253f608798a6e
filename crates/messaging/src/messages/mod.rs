//! [`Messaging`]: private 1:1 conversations, read state and blocks.

mod blocks;
mod effects;
mod files;
mod moderation;
mod read;
mod send;

pub use effects::MESSAGE_CREATED;
pub use files::{MESSAGE_FILES, MessageFiles};
pub use moderation::{MESSAGE_KIND, MessageTargets, TOMBSTONE};
pub use send::REQUEST_CONSTRAINTS;

use crate::entity::message;
use p2p_kernel::ids::{MessageId, UserId};
use p2p_kernel::outbox::events::OutboxLink;
use p2p_kernel::ports::{
    EventBus, FileInfo, FileOwner, Files, Notifier, RateLimiter, UserDirectory, UserSummary,
    summaries_by_id,
};
use p2p_kernel::text::Markdown;
use p2p_kernel::{DomainError, Event};
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
pub struct Messaging {
    inner: Arc<MessagingParts>,
}

/// What [`Messaging`] works with.
pub struct MessagingParts {
    /// Holds the messaging tables (run the migrations first).
    pub db: DatabaseConnection,
    pub events: Arc<dyn EventBus>,
    pub users: Arc<dyn UserDirectory>,
    pub limiter: Arc<dyn RateLimiter>,
    pub notifier: Arc<dyn Notifier>,
    pub files: Arc<dyn Files>,
    pub send_limit: SendLimit,
    /// Sanitizes and renders messages (`Markdown::default()`: no remote images).
    pub markdown: Markdown,
    /// Where a new message's notification is recorded (register
    /// [`Messaging::outbox_handler`] for [`MESSAGE_CREATED`] with its
    /// worker); without one it is created in the request.
    pub outbox: Option<OutboxLink>,
}

impl Messaging {
    pub fn new(parts: MessagingParts) -> Self {
        Self {
            inner: Arc::new(parts),
        }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    /// Summaries of users by id; a failing directory leaves them out.
    async fn summaries(&self, ids: &[UserId]) -> HashMap<UserId, UserSummary> {
        summaries_by_id(self.inner.users.as_ref(), ids.iter().copied()).await
    }

    /// Views of stored messages, with their attachments described.
    async fn views(&self, rows: Vec<message::Model>) -> Result<Vec<MessageView>, DomainError> {
        let mut out = Vec::with_capacity(rows.len());
        for m in rows {
            let ids = attachment_ids(&m)?;
            let files = if ids.is_empty() {
                Vec::new()
            } else {
                self.inner
                    .files
                    .describe(&message_owner(MessageId(m.id)), &ids)
                    .await?
            };
            out.push(message_view(m, files));
        }
        Ok(out)
    }

    async fn publish(&self, user: UserId, name: &str, data: &impl Serialize) {
        match serde_json::to_value(data) {
            // Best-effort live delivery: the bus logs and counts a failure.
            Ok(data) => {
                let event = Event::new(user_channel(user), name, data);
                let _ = self.inner.events.publish(event).await;
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

/// What message attachments are attached to, for the files API.
pub(crate) fn message_owner(id: MessageId) -> FileOwner {
    FileOwner::new(MESSAGE_FILES, id.0)
}

fn attachment_ids(m: &message::Model) -> Result<Vec<p2p_kernel::ids::FileId>, DomainError> {
    serde_json::from_str(&m.attachments).map_err(|e| DomainError::corrupt("attachments", e))
}

pub(crate) fn message_view(m: message::Model, attachments: Vec<FileInfo>) -> MessageView {
    MessageView {
        id: MessageId(m.id),
        sender_id: UserId(m.sender_id),
        recipient_id: UserId(m.recipient_id),
        content: m.content,
        content_html: m.content_html,
        attachments,
        created_at: m.created_at,
        hidden: m.hidden,
        deleted: m.deleted_at.is_some(),
    }
}
