//! Upvotes and the accepted answer.

use super::posts::post_deleted;
use super::{Forum, TopicRefs, require_author_or_admin, topic_channel};
use crate::repo;
use crate::types::{TopicView, VoteView};
use p2p_kernel::Code;
use p2p_kernel::ids::{PostId, TopicId, UserId};
use p2p_kernel::{Actor, DomainError, ErrorKind};

/// A post whose topic was deleted meanwhile is not found either.
pub(super) fn topic_gone_is_post_gone(e: DomainError) -> DomainError {
    if e.kind_of() == ErrorKind::NotFound {
        DomainError::not_found("post")
    } else {
        e
    }
}

impl Forum {
    /// Adds (`up`) or removes the caller's upvote; see
    /// [`crate::ForumService::upvote`].
    pub(crate) async fn vote(
        &self,
        actor: &Actor,
        id: PostId,
        up: bool,
    ) -> Result<VoteView, DomainError> {
        let post = self.find_post(id).await?;
        if up && post.author_id == actor.user_id {
            return Err(DomainError::conflict(
                Code::CannotUpvoteOwnPost,
                "you cannot upvote your own post",
            ));
        }
        if up && post.deleted {
            return Err(post_deleted());
        }
        let (mut guard, mut row) = self
            .lock_topic(post.topic_id)
            .await
            .map_err(topic_gone_is_post_gone)?;
        let now = self.now();
        let state = if up {
            self.posts().add_upvote(id, actor.user_id, now).await?
        } else {
            self.posts().remove_upvote(id, actor.user_id).await?
        };
        let Some(state) = state else {
            return Err(if up {
                post_deleted()
            } else {
                DomainError::not_found("post")
            });
        };
        if state.changed {
            self.refresh_counts(&mut row, up.then_some(now)).await?;
            let txn = guard.txn(self.db()).await?;
            repo::save(txn, &row).await?;
            guard.commit().await?;
            let post = self.find_post(id).await?;
            let users = self.summaries([post.author_id]).await;
            let view = self.post_view(post, &users, false, TopicRefs::of(&row));
            self.publish(topic_channel(row.id()), "post.updated", &view)
                .await;
        }
        Ok(VoteView {
            post_id: id,
            upvote_count: state.upvote_count,
            upvoted: up,
        })
    }

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
        require_author_or_admin(actor, UserId(row.m.author_id), row.org())?;
        if row.m.first_post_id == id.0 {
            return Err(DomainError::conflict(
                Code::FirstPostCannotBeAnswer,
                "the first post of a topic cannot be its answer",
            ));
        }
        if self.find_post(id).await?.deleted {
            return Err(post_deleted());
        }
        let previous = row.m.best_answer_post_id.map(PostId);
        if previous == Some(id) {
            drop(guard);
            let users = self.summaries([UserId(row.m.author_id)]).await;
            return Ok(super::topic_view(&row, &users));
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
        require_author_or_admin(actor, UserId(row.m.author_id), row.org())?;
        let previous = row.m.best_answer_post_id.map(PostId);
        if previous.is_none() {
            drop(guard);
            let users = self.summaries([UserId(row.m.author_id)]).await;
            return Ok(super::topic_view(&row, &users));
        }
        self.set_answer(&mut guard, &mut row, None).await?;
        guard.commit().await?;
        let view = self.announce_topic(&row).await?;
        self.announce_posts(&row, [previous]).await;
        Ok(view)
    }

    async fn set_answer(
        &self,
        guard: &mut super::TopicGuard,
        row: &mut repo::TopicRow,
        answer: Option<PostId>,
    ) -> Result<(), DomainError> {
        self.posts().set_best_answer(row.id(), answer).await?;
        row.m.best_answer_post_id = answer.map(|a| a.0);
        row.m.updated_at = self.now();
        let txn = guard.txn(self.db()).await?;
        repo::save(txn, row).await
    }

    /// `post.updated` for each of the posts (their best-answer flag changed).
    async fn announce_posts(
        &self,
        row: &repo::TopicRow,
        ids: impl IntoIterator<Item = Option<PostId>>,
    ) {
        for id in ids.into_iter().flatten() {
            match self.posts().get(id).await {
                Ok(Some(post)) => {
                    let users = self.summaries([post.author_id]).await;
                    let view = self.post_view(post, &users, false, TopicRefs::of(row));
                    self.publish(topic_channel(row.id()), "post.updated", &view)
                        .await;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, post = %id, "post.updated not announced"),
            }
        }
    }
}
