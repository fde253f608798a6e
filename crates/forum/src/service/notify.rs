//! Notifications the forum asks for (through the kernel's `Notifier` port),
//! after the write that causes them: a reply to someone's post or in their
//! topic, a mention (a best answer: `answers.rs`).

use super::Forum;
use crate::topic_store::TopicRecord;
use crate::types::PostView;
use p2p_kernel::Actor;
use p2p_kernel::ids::UserId;
use p2p_kernel::ports::{NotificationKind, NotificationRequest, Notifier, Recipients};
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

    /// After a new post: the mentioned users get `mention`; the topic's author
    /// and the author of the post replied to get `reply` (unless mentioned).
    pub(crate) async fn notify_post(&self, actor: &Actor, row: &TopicRecord, post: &PostView) {
        let name = self.display_name(actor.user_id).await;
        let title = &row.title;
        let link = format!("/forums/topics/{}#post-{}", row.id, post.id);
        let data = serde_json::json!({ "topic_id": row.id, "post_id": post.id });
        let mentioned = post.mentioned_user_ids.clone();
        let mut replied_to = vec![row.author_id];
        if let Some(parent) = post.parent_id {
            match self.posts().get(parent).await {
                Ok(Some(p)) => replied_to.push(p.author_id),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "reply notification: parent not read"),
            }
        }
        replied_to.retain(|u| *u != actor.user_id && !mentioned.contains(u));
        replied_to.dedup();
        let mut requests = Vec::new();
        if !mentioned.is_empty() {
            requests.push(
                NotificationRequest::new(
                    NotificationKind::Mention,
                    Recipients::Users(mentioned),
                    format!("{name} mentioned you in \"{title}\""),
                )
                .by(actor.user_id)
                .link(link.clone())
                .data(data.clone()),
            );
        }
        if !replied_to.is_empty() {
            requests.push(
                NotificationRequest::new(
                    NotificationKind::Reply,
                    Recipients::Users(replied_to),
                    format!("{name} replied in \"{title}\""),
                )
                .by(actor.user_id)
                .link(link)
                .data(data),
            );
        }
        self.notify(requests).await;
    }

    pub(super) async fn display_name(&self, user: UserId) -> String {
        self.summaries([user])
            .await
            .remove(&user)
            .map_or_else(|| "Someone".to_owned(), |u| u.display_name)
    }
}
