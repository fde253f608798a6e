//! Reading: the conversation list, one conversation, marking read.

use super::moderation::{message_visible, visible_to};
use super::{Messaging, pair};
use crate::entity::{block, message, participant};
use crate::types::{ConversationView, MessageView, ReadState};
use p2p_kernel::ids::{MessageId, UserId};
use p2p_kernel::persistence::stored;
use p2p_kernel::{Actor, DomainError, Page, PageRequest};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

impl Messaging {
    /// The caller's conversations, the most recently active first: the other
    /// participant, the last message and how many of the other's messages are
    /// unread. Conversations with users the caller blocked are hidden.
    pub async fn conversations(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<ConversationView>, DomainError> {
        let after: Option<Uuid> = page.position()?;
        let blocked: Vec<Uuid> = block::Entity::find()
            .filter(block::Column::BlockerId.eq(actor.user_id.0))
            .all(self.db())
            .await?
            .into_iter()
            .map(|b| b.blocked_id)
            .collect();
        let mut query = participant::Entity::find()
            .filter(participant::Column::UserId.eq(actor.user_id.0))
            .order_by_desc(participant::Column::LastMessageId)
            .limit(page.fetch_limit());
        if !blocked.is_empty() {
            query = query.filter(participant::Column::OtherUserId.is_not_in(blocked));
        }
        if let Some(after) = after {
            query = query.filter(participant::Column::LastMessageId.lt(after));
        }
        let rows = query.all(self.db()).await?;
        let page = Page::from_rows(rows, &page, |p| p.last_message_id);
        let last: HashMap<Uuid, message::Model> = message::Entity::find()
            .filter(message::Column::Id.is_in(page.items.iter().map(|p| p.last_message_id)))
            .all(self.db())
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        let others: Vec<UserId> = page.items.iter().map(|p| UserId(p.other_user_id)).collect();
        let users = self.summaries(&others).await;
        let unread = unread_per_sender(self.db(), actor.user_id, &page.items).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for p in &page.items {
            let Some(m) = last
                .get(&p.last_message_id)
                .filter(|m| message_visible(actor.user_id, m))
            else {
                continue;
            };
            let other = UserId(p.other_user_id);
            let last_message = self.views(vec![m.clone()]).await?.remove(0);
            items.push(ConversationView {
                other_user_id: other,
                other_user: users.get(&other).cloned(),
                last_message,
                unread_count: unread.get(&other.0).copied().unwrap_or(0),
            });
        }
        Ok(Page {
            items,
            next_cursor: page.next_cursor,
        })
    }

    /// The caller's conversation with `other`, newest first. Only the two
    /// participants ever see its messages: anyone else asking about `other`
    /// sees their own conversation with them; messages a moderator hid are
    /// left out for their recipient. 404 when `other` is unknown.
    pub async fn conversation(
        &self,
        actor: &Actor,
        other: UserId,
        page: PageRequest,
    ) -> Result<Page<MessageView>, DomainError> {
        let before: Option<Uuid> = page.position()?;
        if other != actor.user_id && !self.summaries(&[other]).await.contains_key(&other) {
            return Err(DomainError::not_found("user"));
        }
        let (low, high) = pair(actor.user_id, other);
        let mut query = message::Entity::find()
            .filter(message::Column::UserLow.eq(low))
            .filter(message::Column::UserHigh.eq(high))
            .filter(visible_to(actor.user_id))
            .order_by_desc(message::Column::Id)
            .limit(page.fetch_limit());
        if let Some(before) = before {
            query = query.filter(message::Column::Id.lt(before));
        }
        let rows = query.all(self.db()).await?;
        let page = Page::from_rows(rows, &page, |m| m.id);
        Ok(Page {
            items: self.views(page.items).await?,
            next_cursor: page.next_cursor,
        })
    }

    /// Marks the caller's conversation read up to and including the message
    /// (everything before it is read too). Reads never go backwards: marking
    /// an older message read after a newer one changes nothing. Announces
    /// `message.read` to the caller's other devices and to the other
    /// participant. 404 unless the caller is a participant of the message.
    pub async fn mark_read(&self, actor: &Actor, id: MessageId) -> Result<ReadState, DomainError> {
        let m = message::Entity::find_by_id(id.0)
            .one(self.db())
            .await?
            .filter(|m| message_visible(actor.user_id, m))
            .ok_or_else(|| DomainError::not_found("message"))?;
        let other = if m.sender_id == actor.user_id.0 {
            UserId(m.recipient_id)
        } else {
            UserId(m.sender_id)
        };
        let changed = participant::Entity::update_many()
            .col_expr(participant::Column::LastReadMessageId, Expr::value(m.id))
            .filter(participant::Column::UserId.eq(actor.user_id.0))
            .filter(participant::Column::OtherUserId.eq(other.0))
            .filter(
                participant::Column::LastReadMessageId
                    .is_null()
                    .or(participant::Column::LastReadMessageId.lt(m.id)),
            )
            .exec(self.db())
            .await?
            .rows_affected;
        let row = participant::Entity::find_by_id((actor.user_id.0, other.0))
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::not_found("message"))?;
        let last_read = row.last_read_message_id.unwrap_or(m.id);
        let state = ReadState {
            reader_id: actor.user_id,
            other_user_id: other,
            last_read_message_id: MessageId(last_read),
            unread_count: unread(self.db(), actor.user_id, other, Some(last_read)).await?,
        };
        if changed > 0 {
            self.publish(actor.user_id, "message.read", &state).await;
            self.publish(other, "message.read", &state).await;
        }
        Ok(state)
    }
}

/// Unread messages of several conversations of `user` in one grouped count:
/// from each other participant, those after `user`'s read marker.
async fn unread_per_sender(
    conn: &impl ConnectionTrait,
    user: UserId,
    conversations: &[participant::Model],
) -> Result<HashMap<Uuid, u64>, DomainError> {
    if conversations.is_empty() {
        return Ok(HashMap::new());
    }
    let mut any = Condition::any();
    for c in conversations {
        let mut from = Condition::all().add(message::Column::SenderId.eq(c.other_user_id));
        if let Some(last_read) = c.last_read_message_id {
            from = from.add(message::Column::Id.gt(last_read));
        }
        any = any.add(from);
    }
    let counts: Vec<(Uuid, i64)> = message::Entity::find()
        .select_only()
        .column(message::Column::SenderId)
        .column_as(message::Column::Id.count(), "unread")
        .filter(message::Column::RecipientId.eq(user.0))
        .filter(unread_kept())
        .filter(any)
        .group_by(message::Column::SenderId)
        .into_tuple()
        .all(conn)
        .await?;
    counts
        .into_iter()
        .map(|(sender, n)| Ok((sender, stored("unread count", n)?)))
        .collect()
}

/// Messages from `other` to `user` after `last_read` (all of them when none).
async fn unread(
    conn: &impl ConnectionTrait,
    user: UserId,
    other: UserId,
    last_read: Option<Uuid>,
) -> Result<u64, DomainError> {
    let mut query = message::Entity::find()
        .filter(message::Column::RecipientId.eq(user.0))
        .filter(message::Column::SenderId.eq(other.0))
        .filter(unread_kept());
    if let Some(last_read) = last_read {
        query = query.filter(message::Column::Id.gt(last_read));
    }
    Ok(query.count(conn).await?)
}

/// Received messages that count as unread: neither hidden from their
/// recipient nor deleted by a moderator.
fn unread_kept() -> Condition {
    Condition::all()
        .add(message::Column::Hidden.eq(false))
        .add(message::Column::DeletedAt.is_null())
}
