//! Notifications the forum asks for (through the kernel's `Notifier` port),
//! after the write that causes them: a reply to someone's post or in their
//! topic, a mention (a best answer: `answers.rs`).

use super::Forum;
use crate::topic_store::TopicRecord;
use crate::types::PostView;
use p2p_kernel::DomainError;
use p2p_kernel::ids::UserId;
use p2p_kernel::ports::{NotificationRequest, NotificationText, Notifier, Recipients};
use std::sync::Arc;

impl Forum {
    /// Sends the forum's notifications to `notifier` (without one, the forum
    /// notifies nobody). Call once, at startup.
    pub fn with_notifier(self, notifier: Arc<dyn Notifier>) -> Self {
        if self.inner.notifier.set(notifier).is_err() {
            tracing::warn!("the forum's notifier was already set");
        }
        self
    }

    pub(super) async fn notify(&self, requests: Vec<NotificationRequest>) {
        if let Some(notifier) = self.inner.notifier.get()
            && !requests.is_empty()
        {
            notifier.notify(requests).await;
        }
    }

    /// Like [`Self::notify`], but failures are returned (for a caller that
    /// retries: the outbox worker).
    pub(super) async fn deliver(
        &self,
        requests: Vec<NotificationRequest>,
    ) -> Result<(), DomainError> {
        match self.inner.notifier.get() {
            Some(notifier) if !requests.is_empty() => notifier.deliver(requests).await,
            _ => Ok(()),
        }
    }

    /// After a new post by `author`: the mentioned users get `mention`; the
    /// topic's author and the author of the post replied to get `reply`
    /// (unless mentioned). Each recipient once per post, however often called.
    pub(crate) async fn notify_post(
        &self,
        author: UserId,
        row: &TopicRecord,
        post: &PostView,
    ) -> Result<(), DomainError> {
        let name = self.display_name(author).await;
        let source = format!("post:{}", post.id);
        let title = &row.title;
        let link = format!("/forums/topics/{}#post-{}", row.id, post.id);
        let data = serde_json::json!({ "topic_id": row.id, "post_id": post.id });
        let mentioned = post.mentioned_user_ids.clone();
        let mut replied_to = vec![row.author_id];
        if let Some(parent) = post.parent_id
            && let Some(p) = self.posts().get(parent).await?
        {
            replied_to.push(p.author_id);
        }
        replied_to.retain(|u| *u != author && !mentioned.contains(u));
        replied_to.dedup();
        let mut requests = Vec::new();
        if !mentioned.is_empty() {
            requests.push(
                NotificationRequest::new(
                    Recipients::Users(mentioned),
                    NotificationText::Mention {
                        actor: name.clone(),
                        topic: title.clone(),
                    },
                )
                .by(author)
                .link(link.clone())
                .data(data.clone())
                .once(source.clone()),
            );
        }
        if !replied_to.is_empty() {
            requests.push(
                NotificationRequest::new(
                    Recipients::Users(replied_to),
                    NotificationText::Reply {
                        actor: name,
                        topic: title.clone(),
                    },
                )
                .by(author)
                .link(link)
                .data(data)
                .once(source),
            );
        }
        self.deliver(requests).await
    }

    /// The user's name as notifications show it (empty when unknown or
    /// erased: the notification then says "Someone").
    pub(super) async fn display_name(&self, user: UserId) -> String {
        self.summaries([user])
            .await
            .remove(&user)
            .map(|u| u.display_name)
            .unwrap_or_default()
    }
}
