//! The traits the HTTP shell calls: [`MessagingService`] (implemented by
//! [`Messaging`]) and [`NotificationService`] (implemented by
//! [`Notifications`]). The server holds them as `Arc<dyn ...>`.

use crate::messages::Messaging;
use crate::notifications::{DigestWorker, Notifications};
use crate::types::{
    BlockView, ConversationView, MarkRead, MarkReadResult, MessageView, NewMessage,
    NotificationFilter, NotificationPreferences, NotificationView, ReadState, UnreadCount,
};
use async_trait::async_trait;
use p2p_kernel::ids::{MessageId, UserId};
use p2p_kernel::{Actor, DomainError, Locale, Page, PageRequest};

/// Private 1:1 messages, read state and blocks, for the calling [`Actor`].
#[async_trait]
pub trait MessagingService: Send + Sync {
    /// The actor's conversations, latest message first, with unread counts.
    async fn conversations(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<ConversationView>, DomainError>;

    /// The messages between the actor and `other`, newest first.
    async fn conversation(
        &self,
        actor: &Actor,
        other: UserId,
        page: PageRequest,
    ) -> Result<Page<MessageView>, DomainError>;

    /// Sends a message (rate limited per sender, refused when blocked).
    async fn send(&self, actor: &Actor, input: NewMessage) -> Result<MessageView, DomainError>;

    /// Marks the conversation read up to this message.
    async fn mark_read(&self, actor: &Actor, id: MessageId) -> Result<ReadState, DomainError>;

    /// Blocks a user from messaging the actor.
    async fn block(&self, actor: &Actor, user: UserId) -> Result<BlockView, DomainError>;

    /// Lifts a block (nothing happens when there was none).
    async fn unblock(&self, actor: &Actor, user: UserId) -> Result<(), DomainError>;

    /// The users the actor blocked, newest first.
    async fn blocks(&self, actor: &Actor) -> Result<Vec<BlockView>, DomainError>;
}

/// The calling [`Actor`]'s notifications and email preferences.
#[async_trait]
pub trait NotificationService: Send + Sync {
    /// The actor's notifications, newest first, their titles written in
    /// `locale` (the request's language), else in the actor's own.
    async fn list(
        &self,
        actor: &Actor,
        filter: NotificationFilter,
        page: PageRequest,
        locale: Option<Locale>,
    ) -> Result<Page<NotificationView>, DomainError>;

    /// How many of the actor's notifications are unread.
    async fn unread_count(&self, actor: &Actor) -> Result<UnreadCount, DomainError>;

    /// Marks the given notifications (or all) read.
    async fn mark_read(
        &self,
        actor: &Actor,
        request: MarkRead,
    ) -> Result<MarkReadResult, DomainError>;

    /// Email on or off per notification kind.
    async fn preferences(&self, actor: &Actor) -> Result<NotificationPreferences, DomainError>;

    /// Changes some kinds' email preference; answers all of them.
    async fn set_preferences(
        &self,
        actor: &Actor,
        changes: NotificationPreferences,
    ) -> Result<NotificationPreferences, DomainError>;

    /// The background task that sends the due email digests.
    fn digest_worker(&self) -> DigestWorker;
}

#[async_trait]
impl MessagingService for Messaging {
    async fn conversations(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<ConversationView>, DomainError> {
        Messaging::conversations(self, actor, page).await
    }

    async fn conversation(
        &self,
        actor: &Actor,
        other: UserId,
        page: PageRequest,
    ) -> Result<Page<MessageView>, DomainError> {
        Messaging::conversation(self, actor, other, page).await
    }

    async fn send(&self, actor: &Actor, input: NewMessage) -> Result<MessageView, DomainError> {
        Messaging::send(self, actor, input).await
    }

    async fn mark_read(&self, actor: &Actor, id: MessageId) -> Result<ReadState, DomainError> {
        Messaging::mark_read(self, actor, id).await
    }

    async fn block(&self, actor: &Actor, user: UserId) -> Result<BlockView, DomainError> {
        Messaging::block(self, actor, user).await
    }

    async fn unblock(&self, actor: &Actor, user: UserId) -> Result<(), DomainError> {
        Messaging::unblock(self, actor, user).await
    }

    async fn blocks(&self, actor: &Actor) -> Result<Vec<BlockView>, DomainError> {
        Messaging::blocks(self, actor).await
    }
}

#[async_trait]
impl NotificationService for Notifications {
    async fn list(
        &self,
        actor: &Actor,
        filter: NotificationFilter,
        page: PageRequest,
        locale: Option<Locale>,
    ) -> Result<Page<NotificationView>, DomainError> {
        Notifications::list(self, actor, filter, page, locale).await
    }

    async fn unread_count(&self, actor: &Actor) -> Result<UnreadCount, DomainError> {
        Notifications::unread_count(self, actor).await
    }

    async fn mark_read(
        &self,
        actor: &Actor,
        request: MarkRead,
    ) -> Result<MarkReadResult, DomainError> {
        Notifications::mark_read(self, actor, request).await
    }

    async fn preferences(&self, actor: &Actor) -> Result<NotificationPreferences, DomainError> {
        Notifications::preferences(self, actor).await
    }

    async fn set_preferences(
        &self,
        actor: &Actor,
        changes: NotificationPreferences,
    ) -> Result<NotificationPreferences, DomainError> {
        Notifications::set_preferences(self, actor, changes).await
    }

    fn digest_worker(&self) -> DigestWorker {
        Notifications::digest_worker(self)
    }
}
