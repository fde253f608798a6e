//! What replayed topic and post events carry: the objects as they are now
//! (the kernel's `CurrentStates` port, which the server registers with the
//! realtime hub for the kinds `topic` and `post`).

use super::hide::{post_visible, topic_visible};
use super::{Forum, TopicRefs, topic_view};
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
    /// Topics as their events show them now for `viewer`; deleted ones are
    /// left out, hidden ones (for whoever may not see them) only say so.
    pub(crate) async fn current_topics(
        &self,
        viewer: &Actor,
        ids: &[TopicId],
    ) -> Result<HashMap<Uuid, CurrentState>, DomainError> {
        let rows = self.topics().get_many(ids).await?;
        let users = self.summaries(rows.iter().map(|r| r.author_id)).await;
        rows.iter()
            .map(|r| {
                let state = if topic_visible(viewer, r) {
                    visible(&topic_view(r, &users))?
                } else {
                    CurrentState::Hidden
                };
                Ok((r.id.0, state))
            })
            .collect()
    }

    /// Posts as their events show them now for `viewer`; deleted posts
    /// (tombstones) and the posts of deleted topics are left out, hidden ones
    /// (or in a hidden topic) only say so to whoever may not see them.
    pub(crate) async fn current_posts(
        &self,
        viewer: &Actor,
        ids: &[PostId],
    ) -> Result<HashMap<Uuid, CurrentState>, DomainError> {
        let mut posts = self.posts().get_many(ids).await?;
        posts.retain(|p| !p.deleted);
        let mut topic_ids: Vec<TopicId> = posts.iter().map(|p| p.topic_id).collect();
        topic_ids.sort();
        topic_ids.dedup();
        let topics: HashMap<TopicId, (TopicRefs, bool)> = self
            .topics()
            .get_many(&topic_ids)
            .await?
            .iter()
            .map(|row| (row.id, (TopicRefs::of(row), topic_visible(viewer, row))))
            .collect();
        let users = self.summaries(posts.iter().map(|p| p.author_id)).await;
        let mut states = HashMap::new();
        for p in posts {
            let Some((refs, topic_seen)) = topics.get(&p.topic_id).copied() else {
                continue;
            };
            let state = if topic_seen && post_visible(viewer, &p) {
                let id = p.id.0;
                let view = self.post_view(p, &users, false, refs);
                states.insert(id, visible(&view)?);
                continue;
            } else {
                CurrentState::Hidden
            };
            states.insert(p.id.0, state);
        }
        Ok(states)
    }
}

/// The forum's [`CurrentStates`] for [`TOPIC_KIND`] and [`POST_KIND`].
///
/// Forum content is visible to every signed-in user, so what exists is
/// [`CurrentState::Visible`] (the view its live events carry), what does
/// not is left out (deleted), and content hidden by a moderator is
/// [`CurrentState::Hidden`] for the viewers who may not see it.
pub struct ForumStates(pub Forum);

#[async_trait]
impl CurrentStates for ForumStates {
    async fn current_states(
        &self,
        viewer: &Actor,
        kind: &str,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, CurrentState>, DomainError> {
        match kind {
            TOPIC_KIND => {
                let ids: Vec<TopicId> = ids.iter().copied().map(TopicId).collect();
                self.0.current_topics(viewer, &ids).await
            }
            POST_KIND => {
                let ids: Vec<PostId> = ids.iter().copied().map(PostId).collect();
                self.0.current_posts(viewer, &ids).await
            }
            _ => Ok(HashMap::new()),
        }
    }
}

fn visible<V: Serialize>(view: &V) -> Result<CurrentState, DomainError> {
    let json = serde_json::to_value(view).map_err(DomainError::internal)?;
    Ok(CurrentState::Visible(json))
}
