//! Upvotes.

use super::posts::{post_deleted, topic_gone_is_post_gone};
use super::{Forum, TopicRefs, topic_channel};
use crate::types::VoteView;
use p2p_kernel::Code;
use p2p_kernel::ids::PostId;
use p2p_kernel::{Actor, DomainError};

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
            self.refresh_counts(&mut row).await?;
            guard.save(&row).await?;
            guard.commit().await?;
            let post = self.find_post(id).await?;
            let users = self.summaries([post.author_id]).await;
            let view = self.post_view(post, &users, false, TopicRefs::of(&row));
            self.publish(topic_channel(row.id), "post.updated", &view)
                .await;
        }
        Ok(VoteView {
            post_id: id,
            upvote_count: state.upvote_count,
            upvoted: up,
        })
    }
}
