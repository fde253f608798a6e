//! What follows a new message, through the event outbox
//! (`p2p_kernel::outbox::events`): the message is committed with a
//! `message.created` outbox event on its conversation's stream and goes out
//! live to both participants at once; the worker then notifies the
//! recipient, once however often the event is handled. Without an outbox
//! (`MessagingParts::outbox` unset) the notification follows the commit in
//! the request.

use super::Messaging;
use crate::content::preview;
use crate::entity::message;
use async_trait::async_trait;
use p2p_kernel::DomainError;
use p2p_kernel::ids::{MessageId, UserId};
use p2p_kernel::outbox::events::{Handled, NewEvent, OutboxEvent, OutboxHandler};
use p2p_kernel::ports::{NotificationRequest, NotificationText};
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use uuid::Uuid;

/// The outbox event of a new message.
pub const MESSAGE_CREATED: &str = "message.created";

/// How much of a message its notification quotes.
const PREVIEW_CHARS: usize = 80;

/// The payload of [`MESSAGE_CREATED`].
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct MessageCreated {
    message_id: MessageId,
}

/// The event to record with a new message: on its conversation's stream, so
/// a conversation's events are applied in order.
pub(super) fn message_created(
    id: MessageId,
    (low, high): (Uuid, Uuid),
) -> Result<NewEvent, DomainError> {
    let stream = format!("conversation:{low}:{high}");
    NewEvent::new(stream, MESSAGE_CREATED, &MessageCreated { message_id: id })
}

impl Messaging {
    /// The handler of [`MESSAGE_CREATED`] events.
    pub fn outbox_handler(&self) -> Arc<dyn OutboxHandler> {
        Arc::new(Effects(self.clone()))
    }

    /// What tells the recipient of `m` about it (once per message).
    pub(super) async fn message_notification(&self, m: &message::Model) -> NotificationRequest {
        let (sender, recipient) = (UserId(m.sender_id), UserId(m.recipient_id));
        let sender_name = self
            .summaries(&[sender])
            .await
            .remove(&sender)
            .map(|u| u.display_name)
            .unwrap_or_default();
        NotificationRequest::to_user(
            recipient,
            NotificationText::Message {
                sender: sender_name,
                preview: preview(&m.content, PREVIEW_CHARS),
            },
        )
        .by(sender)
        .link(format!("/messages/{sender}"))
        .data(serde_json::json!({
            "message_id": m.id,
            "sender_id": sender,
        }))
        .once(format!("message:{}", m.id))
    }

    /// Notifies the recipient of a new message, unless it was hidden or
    /// deleted meanwhile.
    async fn message_effects(&self, id: MessageId) -> Result<Handled, DomainError> {
        let Some(m) = message::Entity::find_by_id(id.0).one(self.db()).await? else {
            return Ok(Handled::Done);
        };
        if m.hidden || m.deleted_at.is_some() {
            return Ok(Handled::Done);
        }
        let request = self.message_notification(&m).await;
        self.inner.notifier.deliver(vec![request]).await?;
        Ok(Handled::Done)
    }
}

struct Effects(Messaging);

#[async_trait]
impl OutboxHandler for Effects {
    async fn handle(&self, event: &OutboxEvent) -> Result<Handled, DomainError> {
        let created: MessageCreated = event.payload_as()?;
        self.0.message_effects(created.message_id).await
    }
}
