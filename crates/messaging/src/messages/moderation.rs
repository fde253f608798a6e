//! Messages as report targets (the kernel's moderation port) and what
//! moderation does to them. Only their two participants see messages; only
//! the recipient reports one (checked by the moderation service with
//! [`TargetInfo::recipient_id`]). A moderator (an admin of the sender's
//! organization, a platform superuser) may:
//! - hide a message: it leaves the recipient's conversation, conversation
//!   list (the previous message becomes the preview), unread counts and
//!   replays; its sender still sees it, flagged `hidden`; unhiding gives it
//!   back;
//! - delete it: its content becomes a tombstone (`[deleted]`), its
//!   attachments are released, and both participants see the tombstone.
//!
//! Events: `message.hidden` (`{id}`), `message.unhidden` (the message) and
//! `message.deleted` (the tombstone), on both participants' channels.

use super::{Messaging, message_owner, pair};
use crate::entity::{message, participant};
use async_trait::async_trait;
use p2p_kernel::ids::{MessageId, UserId};
use p2p_kernel::persistence::{begin_write, db_now};
use p2p_kernel::ports::{CurrentState, CurrentStates, ModerationTarget, TargetInfo};
use p2p_kernel::{Actor, DomainError};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// What a deleted message shows instead of its content.
pub const TOMBSTONE: &str = "[deleted]";
/// Characters of a message shown to moderators as its summary.
const SUMMARY_CHARS: usize = 140;
/// The kind of `message.*` events, for replays (see [`CurrentStates`]).
pub const MESSAGE_KIND: &str = "message";

/// Whether `viewer` sees the message: its sender always, its recipient
/// unless a moderator hid it.
pub(crate) fn message_visible(viewer: UserId, m: &message::Model) -> bool {
    m.sender_id == viewer.0 || (m.recipient_id == viewer.0 && !m.hidden)
}

/// [`ModerationTarget`] for `message`.
pub struct MessageTargets(pub Messaging);

#[async_trait]
impl ModerationTarget for MessageTargets {
    /// Two queries whatever the number: the messages, then their senders.
    async fn describe_many(
        &self,
        viewer: &Actor,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, TargetInfo>, DomainError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<message::Model> = message::Entity::find()
            .filter(message::Column::Id.is_in(ids.iter().copied()))
            .filter(message::Column::DeletedAt.is_null())
            .all(self.0.db())
            .await?
            .into_iter()
            .filter(|m| viewer.is_system() || message_visible(viewer.user_id, m))
            .collect();
        let senders = self
            .0
            .summaries(&rows.iter().map(|m| UserId(m.sender_id)).collect::<Vec<_>>())
            .await;
        Ok(rows
            .into_iter()
            .filter_map(|m| {
                let author = senders.get(&UserId(m.sender_id))?;
                let info = TargetInfo {
                    author_id: author.id,
                    organization_id: author.organization_id,
                    summary: m.content.chars().take(SUMMARY_CHARS).collect(),
                    hidden: m.hidden,
                    recipient_id: Some(UserId(m.recipient_id)),
                };
                Some((m.id, info))
            })
            .collect())
    }

    async fn set_hidden(&self, by: &Actor, id: Uuid, hidden: bool) -> Result<(), DomainError> {
        self.0.set_hidden(by, MessageId(id), hidden).await
    }

    async fn delete(&self, by: &Actor, id: Uuid) -> Result<(), DomainError> {
        self.0.delete_message(by, MessageId(id)).await
    }
}

impl Messaging {
    /// A message not deleted, which `by` moderates (the sender's
    /// organization's admins, superusers); 404 otherwise.
    async fn moderated(&self, by: &Actor, id: MessageId) -> Result<message::Model, DomainError> {
        let m = message::Entity::find_by_id(id.0)
            .one(self.db())
            .await?
            .filter(|m| m.deleted_at.is_none())
            .ok_or_else(|| DomainError::not_found("message"))?;
        let sender = UserId(m.sender_id);
        let org = self
            .summaries(&[sender])
            .await
            .remove(&sender)
            .map(|u| u.organization_id)
            .ok_or_else(|| DomainError::not_found("message"))?;
        by.require_org_admin(org)?;
        Ok(m)
    }

    /// Hides a message from its recipient or shows it again.
    async fn set_hidden(&self, by: &Actor, id: MessageId, hidden: bool) -> Result<(), DomainError> {
        let m = self.moderated(by, id).await?;
        let (sender, recipient) = (UserId(m.sender_id), UserId(m.recipient_id));
        let txn = begin_write(self.db()).await?;
        let changed = message::Entity::update_many()
            .col_expr(message::Column::Hidden, Expr::value(hidden))
            .filter(message::Column::Id.eq(m.id))
            .filter(message::Column::Hidden.eq(!hidden))
            .exec(&txn)
            .await?
            .rows_affected;
        if changed == 0 {
            return Ok(());
        }
        if hidden {
            step_back(&txn, recipient, sender, m.id).await?;
        } else {
            super::send::advance(&txn, recipient, sender, m.id).await?;
        }
        txn.commit().await?;
        if hidden {
            let data = json!({ "id": m.id });
            for user in [recipient, sender] {
                self.publish(user, "message.hidden", &data).await;
            }
        } else {
            let view = self.views(vec![message::Model { hidden, ..m }]).await?;
            for user in [recipient, sender] {
                self.publish(user, "message.unhidden", &view[0]).await;
            }
        }
        Ok(())
    }

    /// Replaces a message's content by the tombstone and releases its
    /// attachments; both participants see the tombstone.
    async fn delete_message(&self, by: &Actor, id: MessageId) -> Result<(), DomainError> {
        let m = self.moderated(by, id).await?;
        let html = self
            .inner
            .markdown
            .clean_html(&format!("<p>{TOMBSTONE}</p>"));
        let changed = message::Entity::update_many()
            .col_expr(message::Column::Content, Expr::value(TOMBSTONE))
            .col_expr(message::Column::ContentHtml, Expr::value(html.clone()))
            .col_expr(message::Column::Attachments, Expr::value("[]"))
            .col_expr(message::Column::DeletedAt, Expr::value(db_now()))
            .filter(message::Column::Id.eq(m.id))
            .filter(message::Column::DeletedAt.is_null())
            .exec(self.db())
            .await?
            .rows_affected;
        if changed == 0 {
            return Ok(());
        }
        if m.attachments != "[]"
            && let Err(e) = self.inner.files.release_owner(&message_owner(id)).await
        {
            tracing::warn!(error = %e, message = %id, "attachments of a deleted message kept");
        }
        let tombstone = message::Model {
            content: TOMBSTONE.to_owned(),
            content_html: html,
            attachments: "[]".to_owned(),
            deleted_at: Some(db_now()),
            ..m
        };
        let view = self.views(vec![tombstone]).await?;
        for user in [UserId(m.recipient_id), UserId(m.sender_id)] {
            self.publish(user, "message.deleted", &view[0]).await;
        }
        Ok(())
    }
}

/// After `hidden` (from `other`) was hidden from `user`: when it was the
/// last message of `user`'s conversation with `other`, the last one `user`
/// still sees takes its place (no conversation left when there is none).
/// A message sent meanwhile already moved the conversation on and is kept.
async fn step_back(
    conn: &impl ConnectionTrait,
    user: UserId,
    other: UserId,
    hidden: Uuid,
) -> Result<(), DomainError> {
    let (low, high) = pair(user, other);
    let previous: Option<Uuid> = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::UserLow.eq(low))
        .filter(message::Column::UserHigh.eq(high))
        .filter(visible_to(user))
        .order_by_desc(message::Column::Id)
        .limit(1)
        .into_tuple()
        .one(conn)
        .await?;
    let this = participant::Column::UserId
        .eq(user.0)
        .and(participant::Column::OtherUserId.eq(other.0))
        .and(participant::Column::LastMessageId.eq(hidden));
    match previous {
        Some(previous) => {
            participant::Entity::update_many()
                .col_expr(participant::Column::LastMessageId, Expr::value(previous))
                .filter(this)
                .exec(conn)
                .await?;
        }
        None => {
            participant::Entity::delete_many()
                .filter(this)
                .exec(conn)
                .await?;
        }
    }
    Ok(())
}

/// Messages `user` sees (of conversations they take part in): not hidden
/// from them as recipient.
pub(crate) fn visible_to(user: UserId) -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(message::Column::Hidden.eq(false))
        .add(message::Column::RecipientId.ne(user.0))
}

/// What replayed `message.*` events carry: the message now for its
/// participants (the tombstone once deleted), only its id for the recipient
/// of a hidden one.
#[async_trait]
impl CurrentStates for Messaging {
    async fn current_states(
        &self,
        viewer: &Actor,
        kind: &str,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, CurrentState>, DomainError> {
        match kind {
            MESSAGE_KIND => self.message_states(viewer, ids).await,
            _ => Ok(HashMap::new()),
        }
    }
}

impl Messaging {
    async fn message_states(
        &self,
        viewer: &Actor,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, CurrentState>, DomainError> {
        let me = viewer.user_id.0;
        let rows = message::Entity::find()
            .filter(message::Column::Id.is_in(ids.iter().copied()))
            .filter(
                message::Column::SenderId
                    .eq(me)
                    .or(message::Column::RecipientId.eq(me)),
            )
            .all(self.db())
            .await?;
        let (shown, hidden): (Vec<_>, Vec<_>) = rows
            .into_iter()
            .partition(|m| message_visible(viewer.user_id, m));
        let mut states: HashMap<Uuid, CurrentState> = hidden
            .into_iter()
            .map(|m| (m.id, CurrentState::Hidden))
            .collect();
        for view in self.views(shown).await? {
            let value: serde_json::Value =
                serde_json::to_value(&view).map_err(DomainError::internal)?;
            states.insert(view.id.0, CurrentState::Visible(value));
        }
        Ok(states)
    }
}
