//! Messages as report targets (the kernel's moderation port): only their
//! two participants see them; only the recipient reports them (checked by
//! the moderation service with [`TargetInfo::recipient_id`]). A reported
//! message can only be dismissed: messages are not hidden or deleted (the
//! recipient blocks the sender instead).

use super::Messaging;
use crate::entity::message;
use async_trait::async_trait;
use p2p_kernel::FieldCode;
use p2p_kernel::ids::UserId;
use p2p_kernel::ports::{ModerationTarget, TargetInfo};
use p2p_kernel::{Actor, DomainError};
use sea_orm::EntityTrait;
use uuid::Uuid;

/// [`ModerationTarget`] for `message`.
pub struct MessageTargets(pub Messaging);

#[async_trait]
impl ModerationTarget for MessageTargets {
    async fn describe(&self, viewer: &Actor, id: Uuid) -> Result<Option<TargetInfo>, DomainError> {
        let Some(m) = message::Entity::find_by_id(id).one(self.0.db()).await? else {
            return Ok(None);
        };
        let me = viewer.user_id.0;
        if !viewer.is_system() && m.sender_id != me && m.recipient_id != me {
            return Ok(None);
        }
        let sender = UserId(m.sender_id);
        let Some(author) = self.0.inner.users.summaries(&[sender]).await?.pop() else {
            return Ok(None);
        };
        Ok(Some(TargetInfo {
            author_id: sender,
            organization_id: author.organization_id,
            summary: m.content.chars().take(140).collect(),
            hidden: false,
            recipient_id: Some(UserId(m.recipient_id)),
        }))
    }

    async fn set_hidden(&self, _by: &Actor, _id: Uuid, _hidden: bool) -> Result<(), DomainError> {
        Err(dismiss_only())
    }

    async fn delete(&self, _by: &Actor, _id: Uuid) -> Result<(), DomainError> {
        Err(dismiss_only())
    }
}

fn dismiss_only() -> DomainError {
    DomainError::invalid_field(
        "action",
        FieldCode::NotSupported,
        "a report about a message can only be dismissed",
    )
}
