//! The accepted ("best") answer of a topic, all of it: who may mark and
//! clear it, which posts may be it, what a deleted answer becomes, what is
//! announced and who is notified.
//!
//! Where it is kept: the topic's `best_answer_post_id` (the
//! [`crate::topic_store::TopicStore`]) is the source of truth, read by every
//! post view ([`is_shown_as_answer`]); the post store keeps a copy as each
//! post's `is_best_answer` flag ([`crate::PostStore::set_best_answer`], cleared by
//! `soft_delete`) for the statistics that count answers per author.

use super::posts::{post_deleted, topic_gone_is_post_gone};
use super::{Forum, TopicGuard, TopicRefs, require_author_or_admin, topic_channel, topic_view};
use crate::store::PostRecord;
use crate::topic_store::TopicRecord;
use crate::types::TopicView;
use p2p_kernel::ids::{PostId, TopicId, UserId};
use p2p_kernel::ports::{NotificationRequest, NotificationText};
use p2p_kernel::{Actor, Code, DomainError};

/// Whether a post's view shows it as the answer: the topic names it and it
/// is not deleted.
pub(crate) fn is_shown_as_answer(post: &PostRecord, topic: TopicRefs) -> bool {
    !post.deleted && topic.best == Some(post.id)
}

/// A deleted post stops being the answer: clears the topic's answer when it
/// was `deleted` (true then; the caller saves the topic and announces it).
pub(crate) fn forget_deleted_answer(topic: &mut TopicRecord, deleted: PostId) -> bool {
    let was_answer = topic.best_answer_post_id == Some(deleted);
    if was_answer {
        topic.best_answer_post_id = None;
    }
    was_answer
}

impl Forum {
    /// See [`crate::ForumService::mark_best_answer`].
    pub(crate) async fn mark_best_answer(
        &self,
        actor: &Actor,
        id: PostId,
    ) -> Result<TopicView, DomainError> {
        let post = self.find_post(id).await?;
        let (mut guard, mut row) = self
            .lock_topic(post.topic_id)
            .await
            .map_err(topic_gone_is_post_gone)?;
        require_author_or_admin(actor, row.author_id, row.organization_id)?;
        if row.first_post_id == id {
            return Err(DomainError::conflict(
                Code::FirstPostCannotBeAnswer,
                "the first post of a topic cannot be its answer",
            ));
        }
        if self.find_post(id).await?.deleted {
            return Err(post_deleted());
        }
        let previous = row.best_answer_post_id;
        if previous == Some(id) {
            drop(guard);
            let users = self.summaries([row.author_id]).await;
            return Ok(topic_view(&row, &users));
        }
        self.set_answer(&mut guard, &mut row, Some(id)).await?;
        guard.commit().await?;
        let view = self.announce_topic(&row).await?;
        self.announce_posts(&row, [previous, Some(id)]).await;
        self.notify_best_answer(actor, &row, post.author_id).await;
        Ok(view)
    }

    /// See [`crate::ForumService::clear_best_answer`].
    pub(crate) async fn clear_best_answer(
        &self,
        actor: &Actor,
        topic: TopicId,
    ) -> Result<TopicView, DomainError> {
        let (mut guard, mut row) = self.lock_topic(topic).await?;
        require_author_or_admin(actor, row.author_id, row.organization_id)?;
        let previous = row.best_answer_post_id;
        if previous.is_none() {
            drop(guard);
            let users = self.summaries([row.author_id]).await;
            return Ok(topic_view(&row, &users));
        }
        self.set_answer(&mut guard, &mut row, None).await?;
        guard.commit().await?;
        let view = self.announce_topic(&row).await?;
        self.announce_posts(&row, [previous]).await;
        Ok(view)
    }

    async fn set_answer(
        &self,
        guard: &mut TopicGuard,
        row: &mut TopicRecord,
        answer: Option<PostId>,
    ) -> Result<(), DomainError> {
        self.posts().set_best_answer(row.id, answer).await?;
        row.best_answer_post_id = answer;
        row.updated_at = self.now();
        guard.save(row).await
    }

    /// `post.updated` for each of the posts (their best-answer flag changed).
    async fn announce_posts(
        &self,
        row: &TopicRecord,
        ids: impl IntoIterator<Item = Option<PostId>>,
    ) {
        for id in ids.into_iter().flatten() {
            match self.posts().get(id).await {
                Ok(Some(post)) => {
                    let users = self.summaries([post.author_id]).await;
                    let view = self.post_view(post, &users, false, TopicRefs::of(row));
                    self.publish(topic_channel(row.id), "post.updated", &view)
                        .await;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, post = %id, "post.updated not announced"),
            }
        }
    }

    /// After a best answer is marked: its author gets `best_answer`.
    async fn notify_best_answer(&self, actor: &Actor, row: &TopicRecord, author: UserId) {
        if author == actor.user_id {
            return;
        }
        let post = row.best_answer_post_id;
        let request = NotificationRequest::to_user(
            author,
            NotificationText::BestAnswer {
                topic: row.title.clone(),
            },
        )
        .by(actor.user_id)
        .link(match post {
            Some(p) => format!("/forums/topics/{}#post-{p}", row.id),
            None => format!("/forums/topics/{}", row.id),
        })
        .data(serde_json::json!({ "topic_id": row.id, "post_id": post }));
        self.notify(vec![request]).await;
    }
}
