//! Sending a message.

use super::effects::message_created;
use super::{Messaging, message_owner, message_view, pair};
use crate::entity::{block, message, participant};
use crate::types::{MessageView, NewMessage};
use p2p_kernel::Code;
use p2p_kernel::FieldCode;
use p2p_kernel::ids::{MessageId, UserId};
use p2p_kernel::outbox::events::NewEvent;
use p2p_kernel::persistence::begin_write;
use p2p_kernel::persistence::db_now;
use p2p_kernel::ports::{RateDecision, UserSummary};
use p2p_kernel::text::{FieldConstraint, TextRule};
use p2p_kernel::validate::Validator;
use p2p_kernel::{Actor, DomainError};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
};
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
        let event = match &self.inner.outbox {
            Some(_) => Some(message_created(id, (low, high))?),
            None => None,
        };
        let stored = self
            .store(&row, actor.user_id, recipient.id, event.as_ref())
            .await;
        if let Err(e) = stored {
            if !files.is_empty()
                && let Err(release) = self.inner.files.release_owner(&owner).await
            {
                tracing::warn!(error = %release, message = %id, "attachments left attached");
            }
            return Err(e);
        }
        if let Some(link) = &self.inner.outbox {
            link.wake.notify_one();
        }
        let notification = match &self.inner.outbox {
            Some(_) => None,
            None => Some(self.message_notification(&row).await),
        };
        let view = message_view(row, files);
        self.publish(recipient.id, "message.created", &view).await;
        self.publish(actor.user_id, "message.created", &view).await;
        if let Some(request) = notification {
            self.inner.notifier.notify(vec![request]).await;
        }
        Ok(view)
    }

    /// Writes the message, moves both participants' conversations to it and
    /// records `event` with them, in one transaction.
    async fn store(
        &self,
        row: &message::Model,
        sender: UserId,
        recipient: UserId,
        event: Option<&NewEvent>,
    ) -> Result<(), DomainError> {
        let txn = begin_write(self.db()).await?;
        if let Some(event) = event {
            event.record(&txn).await?;
        }
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

    /// Refuses a message across a block, either way (one query).
    async fn check_blocks(&self, sender: UserId, recipient: UserId) -> Result<(), DomainError> {
        let either_way = Condition::any()
            .add(
                Condition::all()
                    .add(block::Column::BlockerId.eq(recipient.0))
                    .add(block::Column::BlockedId.eq(sender.0)),
            )
            .add(
                Condition::all()
                    .add(block::Column::BlockerId.eq(sender.0))
                    .add(block::Column::BlockedId.eq(recipient.0)),
            );
        let blocks = block::Entity::find()
            .filter(either_way)
            .all(self.db())
            .await?;
        if blocks.iter().any(|b| b.blocker_id == recipient.0) {
            return Err(DomainError::new(
                p2p_kernel::ErrorKind::Forbidden,
                Code::Blocked,
                "this user does not accept messages from you",
            ));
        }
        if !blocks.is_empty() {
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
