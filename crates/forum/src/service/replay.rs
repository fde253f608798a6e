//! What replayed topic and post events carry: the objects as they are now
//! (the kernel's `CurrentStates` port, which the server registers with the
//! realtime hub for the kinds `topic` and `post`).

use super::{Forum, TopicRefs, topic_view};
use crate::types::{PostView, TopicView};
use async_trait::async_trait;
use p2p_kernel::ids::{PostId, TopicId};
use p2p_kernel::ports::{CurrentState, CurrentStates};
use p2p_kernel::{Actor, DomainError};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// The kind of `topic.created`, `topic.updated` and `topic.deleted`.
pub const TOPIC_KIND: &str = "topic";
/// The kind of `post.created`, `post.updated` and `post.deleted`.
pub const POST_KIND: &str = "post";

impl Forum {
    /// Topics as their events show them now; deleted ones are left out.
    pub(crate) async fn current_topics(
        &self,
        ids: &[TopicId],
    ) -> Result<Vec<TopicView>, DomainError> {
        let rows = self.topics().get_many(ids).await?;
        let users = self.summaries(rows.iter().map(|r| r.author_id)).await;
        Ok(rows.iter().map(|r| topic_view(r, &users)).collect())
    }

    /// Posts as their events show them now; deleted posts (tombstones) and
    /// the posts of deleted topics are left out.
    pub(crate) async fn current_posts(&self, ids: &[PostId]) -> Result<Vec<PostView>, DomainError> {
        let mut posts = self.posts().get_many(ids).await?;
        posts.retain(|p| !p.deleted);
        let mut topic_ids: Vec<TopicId> = posts.iter().map(|p| p.topic_id).collect();
        topic_ids.sort();
        topic_ids.dedup();
        let topics: HashMap<TopicId, TopicRefs> = self
            .topics()
            .get_many(&topic_ids)
            .await?
            .iter()
            .map(|row| (row.id, TopicRefs::of(row)))
            .collect();
        let users = self.summaries(posts.iter().map(|p| p.author_id)).await;
        Ok(posts
            .into_iter()
            .filter_map(|p| {
                let refs = *topics.get(&p.topic_id)?;
                Some(self.post_view(p, &users, false, refs))
            })
            .collect())
    }
}

/// The forum's [`CurrentStates`] for [`TOPIC_KIND`] and [`POST_KIND`].
///
/// Forum content is visible to every signed-in user, so what exists is
/// [`CurrentState::Visible`] (the view its live events carry) and what does
/// not is left out (deleted). Content hidden by a moderator will answer
/// [`CurrentState::Hidden`] here for the viewers who may not see it.
pub struct ForumStates(pub Forum);

#[async_trait]
impl CurrentStates for ForumStates {
    async fn current_states(
        &self,
        _viewer: &Actor,
        kind: &str,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, CurrentState>, DomainError> {
        match kind {
            TOPIC_KIND => {
                let ids: Vec<TopicId> = ids.iter().copied().map(TopicId).collect();
                visible(self.0.current_topics(&ids).await?, |t| t.id.0)
            }
            POST_KIND => {
                let ids: Vec<PostId> = ids.iter().copied().map(PostId).collect();
                visible(self.0.current_posts(&ids).await?, |p| p.id.0)
            }
            _ => Ok(HashMap::new()),
        }
    }
}

fn visible<V: Serialize>(
    views: Vec<V>,
    id: impl Fn(&V) -> Uuid,
) -> Result<HashMap<Uuid, CurrentState>, DomainError> {
    views
        .into_iter()
        .map(|view| {
            let json = serde_json::to_value(&view).map_err(DomainError::internal)?;
            Ok((id(&view), CurrentState::Visible(json)))
        })
        .collect()
}
