//! Sending a message.

use super::{Messaging, message_owner, message_view, pair};
use crate::content::preview;
use crate::entity::{block, message, participant};
use crate::types::{MessageView, NewMessage};
use p2p_kernel::Code;
use p2p_kernel::FieldCode;
use p2p_kernel::ids::{MessageId, UserId};
use p2p_kernel::persistence::begin_write;
use p2p_kernel::persistence::db_now;
use p2p_kernel::ports::{NotificationRequest, NotificationText, RateDecision, UserSummary};
use p2p_kernel::text::{FieldConstraint, TextRule};
use p2p_kernel::validate::Validator;
use p2p_kernel::{Actor, DomainError};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use std::collections::HashMap;
use uuid::Uuid;

/// A message's content.
const CONTENT: TextRule = TextRule::markdown(1, 5000);
/// Most files attached to one message.
const MAX_ATTACHMENTS: usize = 10;

/// The rules above, as the OpenAPI document states them.
pub const REQUEST_CONSTRAINTS: &[FieldConstraint] = &[
    FieldConstraint::text("NewMessage", "content", CONTENT),
    FieldConstraint::max_items("NewMessage", "attachments", MAX_ATTACHMENTS),
];
const PREVIEW_CHARS: usize = 80;

impl Messaging {
    /// Sends a private message to any active user of the platform. It is
    /// delivered live (`message.created`) and notifies the recipient.
    ///
    /// Errors: 422 (`content` empty or over 5,000 characters; `recipient_id`
    /// is the sender), 404 `not_found` (no such active user), 403 `blocked`
    /// (the recipient blocked the sender), 409 `recipient_blocked` (the sender
    /// blocked the recipient), 429 with a retry delay past the send limit.
    pub async fn send(&self, actor: &Actor, input: NewMessage) -> Result<MessageView, DomainError> {
        let mut v = Validator::new();
        let content = v.text("content", &input.content, CONTENT);
        v.at_most(
            "attachments",
            input.attachments.len(),
            MAX_ATTACHMENTS,
            "files per message",
        );
        if input.recipient_id == actor.user_id {
            v.add(
                "recipient_id",
                FieldCode::SelfTarget,
                "you cannot write to yourself",
            );
        }
        v.finish()?;
        let content = self.inner.markdown.sanitize(&content);
        self.limit(actor.user_id).await?;
        // Not `summaries`, which leaves users out when the directory fails: an unreachable
        // database must answer 503, not "no such user".
        let users: HashMap<UserId, UserSummary> = self
            .inner
            .users
            .summaries(&[actor.user_id, input.recipient_id])
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let recipient = users
            .get(&input.recipient_id)
            .filter(|u| u.is_active)
            .ok_or_else(|| DomainError::not_found("user"))?;
        self.check_blocks(actor.user_id, recipient.id).await?;

        let id = MessageId::new();
        let owner = message_owner(id);
        let files = if input.attachments.is_empty() {
            Vec::new()
        } else {
            self.inner
                .files
                .attach(actor, &owner, &input.attachments)
                .await?
        };
        let now = db_now();
        let (low, high) = pair(actor.user_id, recipient.id);
        let row = message::Model {
            id: id.0,
            sender_id: actor.user_id.0,
            recipient_id: recipient.id.0,
            user_low: low,
            user_high: high,
            content_html: self.inner.markdown.to_html(&content),
            content,
            attachments: serde_json::to_string(&input.attachments)
                .map_err(DomainError::internal)?,
            created_at: now,
            hidden: false,
            deleted_at: None,
        };
        if let Err(e) = self.store(&row, actor.user_id, recipient.id).await {
            if !files.is_empty()
                && let Err(release) = self.inner.files.release_owner(&owner).await
            {
                tracing::warn!(error = %release, message = %id, "attachments left attached");
            }
            return Err(e);
        }

        let view = message_view(row, files);
        self.publish(recipient.id, "message.created", &view).await;
        self.publish(actor.user_id, "message.created", &view).await;
        let sender_name = users
            .get(&actor.user_id)
            .map(|u| u.display_name.clone())
            .unwrap_or_default();
        self.inner
            .notifier
            .notify(vec![
                NotificationRequest::to_user(
                    recipient.id,
                    NotificationText::Message {
                        sender: sender_name,
                        preview: preview(&view.content, PREVIEW_CHARS),
                    },
                )
                .by(actor.user_id)
                .link(format!("/messages/{}", actor.user_id))
                .data(serde_json::json!({
                    "message_id": view.id,
                    "sender_id": actor.user_id,
                })),
            ])
            .await;
        Ok(view)
    }

    /// Writes the message and moves both participants' conversations to it.
    async fn store(
        &self,
        row: &message::Model,
        sender: UserId,
        recipient: UserId,
    ) -> Result<(), DomainError> {
        let txn = begin_write(self.db()).await?;
        message::Entity::insert(message::ActiveModel::from(row.clone()))
            .exec_without_returning(&txn)
            .await?;
        advance(&txn, sender, recipient, row.id).await?;
        advance(&txn, recipient, sender, row.id).await?;
        txn.commit().await?;
        Ok(())
    }

    async fn limit(&self, user: UserId) -> Result<(), DomainError> {
        let rule = self.inner.send_limit;
        match self
            .inner
            .limiter
            .hit(
                &format!("messaging:send:{user}"),
                rule.messages,
                rule.window,
            )
            .await
        {
            Ok(RateDecision::Allowed { .. }) => Ok(()),
            Ok(RateDecision::Limited { retry_after }) => Err(DomainError::rate_limited(Ord::max(
                retry_after.as_secs(),
                1,
            ))),
            Err(e) => {
                tracing::warn!(error = %e, "rate limiter unavailable, message allowed");
                Ok(())
            }
        }
    }

    async fn check_blocks(&self, sender: UserId, recipient: UserId) -> Result<(), DomainError> {
        if block::Entity::find_by_id((recipient.0, sender.0))
            .one(self.db())
            .await?
            .is_some()
        {
            return Err(DomainError::new(
                p2p_kernel::ErrorKind::Forbidden,
                Code::Blocked,
                "this user does not accept messages from you",
            ));
        }
        if block::Entity::find_by_id((sender.0, recipient.0))
            .one(self.db())
            .await?
            .is_some()
        {
            return Err(DomainError::conflict(
                Code::RecipientBlocked,
                "you blocked this user: unblock them to write",
            ));
        }
        Ok(())
    }
}

/// Makes `message` the last of `user`'s conversation with `other` (creating
/// the participant row), unless a later one is already recorded.
pub(super) async fn advance(
    conn: &impl ConnectionTrait,
    user: UserId,
    other: UserId,
    message: Uuid,
) -> Result<(), DomainError> {
    let row = participant::ActiveModel {
        user_id: Set(user.0),
        other_user_id: Set(other.0),
        last_message_id: Set(message),
        last_read_message_id: Set(None),
        updated_at: Set(db_now()),
    };
    participant::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                participant::Column::UserId,
                participant::Column::OtherUserId,
            ])
            .update_columns([
                participant::Column::LastMessageId,
                participant::Column::UpdatedAt,
            ])
            .action_and_where(
                Expr::col((participant::Entity, participant::Column::LastMessageId)).lt(message),
            )
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}
