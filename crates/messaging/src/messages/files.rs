//! Who may fetch a message's attachments: its two participants only (not
//! its recipient while a moderator hides it).

use super::Messaging;
use super::moderation::message_visible;
use crate::entity::message;
use async_trait::async_trait;
use p2p_kernel::ports::FileAccess;
use p2p_kernel::{Actor, DomainError};
use sea_orm::EntityTrait;
use uuid::Uuid;

/// The owner kind of message attachments in the files API.
pub const MESSAGE_FILES: &str = "message";

/// The [`FileAccess`] of message attachments (register it with the files
/// service under [`MESSAGE_FILES`]).
pub struct MessageFiles(pub Messaging);

#[async_trait]
impl FileAccess for MessageFiles {
    async fn can_read(&self, actor: &Actor, owner_id: Uuid) -> Result<bool, DomainError> {
        Ok(message::Entity::find_by_id(owner_id)
            .one(self.0.db())
            .await?
            .is_some_and(|m| message_visible(actor.user_id, &m)))
    }
}
