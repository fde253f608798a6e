//! Content hidden by moderators: visible only to its author and moderators
//! (`p2p_kernel::ports::may_see_hidden`), and the forum's side of the
//! moderation port ([`TopicTargets`], [`PostTargets`]).

use super::{Forum, TopicRefs, topic_channel};
use crate::markdown::truncate_chars;
use crate::store::PostRecord;
use crate::topic_store::TopicRecord;
use async_trait::async_trait;
use p2p_kernel::ids::{PostId, TopicId};
use p2p_kernel::ports::{ModerationTarget, TargetInfo, may_see_hidden};
use p2p_kernel::{Actor, DomainError};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// Characters of a post shown to moderators as its summary.
const SUMMARY_CHARS: usize = 140;

/// Whether `viewer` sees the topic.
pub(crate) fn topic_visible(viewer: &Actor, t: &TopicRecord) -> bool {
    !t.hidden || may_see_hidden(viewer, t.author_id, t.organization_id)
}

/// Whether `viewer` sees the post (its topic aside).
pub(crate) fn post_visible(viewer: &Actor, p: &PostRecord) -> bool {
    !p.hidden || may_see_hidden(viewer, p.author_id, p.organization_id)
}

impl Forum {
    /// Hides a topic (with its posts) or shows it again; announces
    /// `topic.hidden` (`{id}`) or `topic.unhidden` (`{id, post_ids}`, for
    /// whoever keeps copies of the posts, like the search index).
    pub(crate) async fn set_topic_hidden(
        &self,
        by: &Actor,
        id: TopicId,
        hidden: bool,
    ) -> Result<(), DomainError> {
        let (mut guard, mut row) = self.lock_topic(id).await?;
        by.require_org_admin(row.organization_id)?;
        if row.hidden == hidden {
            return Ok(());
        }
        row.hidden = hidden;
        guard.save(&row).await?;
        guard.commit().await?;
        if hidden {
            self.publish(topic_channel(id), "topic.hidden", &json!({ "id": id }))
                .await;
        } else {
            let post_ids = self.post_ids(id).await?;
            let data = json!({ "id": id, "post_ids": post_ids });
            self.publish(topic_channel(id), "topic.unhidden", &data)
                .await;
        }
        Ok(())
    }

    /// Hides a post or shows it again; announces `post.hidden`
    /// (`{id, topic_id}`) or, once shown again, `post.updated`.
    pub(crate) async fn set_post_hidden(
        &self,
        by: &Actor,
        id: PostId,
        hidden: bool,
    ) -> Result<(), DomainError> {
        let post = self.find_post(id).await?;
        let row = self.topic_of(&post).await?;
        if !by.can_manage_org(post.organization_id) {
            by.require_org_admin(row.organization_id)?;
        }
        if post.hidden == hidden || !self.posts().set_hidden(id, hidden).await? {
            return Ok(());
        }
        let channel = topic_channel(post.topic_id);
        if hidden {
            let data = json!({ "id": id, "topic_id": post.topic_id });
            self.publish(channel, "post.hidden", &data).await;
        } else {
            let users = self.summaries([post.author_id]).await;
            let post = PostRecord { hidden, ..post };
            let view = self.post_view(post, &users, false, TopicRefs::of(&row));
            self.publish(channel, "post.updated", &view).await;
        }
        Ok(())
    }

    /// The ids of every post of a topic.
    async fn post_ids(&self, topic: TopicId) -> Result<Vec<PostId>, DomainError> {
        let mut ids = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .posts()
                .thread_page(topic, after.as_deref(), 500)
                .await?;
            let Some(last) = page.last() else {
                return Ok(ids);
            };
            after = Some(last.thread_key.clone());
            ids.extend(page.iter().map(|p| p.id));
        }
    }

    /// Posts as report targets, in two queries whatever the number: the
    /// posts, then their topics.
    async fn describe_posts(
        &self,
        viewer: &Actor,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, TargetInfo>, DomainError> {
        let ids: Vec<PostId> = ids.iter().copied().map(PostId).collect();
        let posts = self.posts().get_many(&ids).await?;
        let mut topic_ids: Vec<TopicId> = posts.iter().map(|p| p.topic_id).collect();
        topic_ids.sort();
        topic_ids.dedup();
        let topics: HashMap<TopicId, TopicRecord> = self
            .topics()
            .get_many(&topic_ids)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        Ok(posts
            .into_iter()
            .filter_map(|post| {
                let row = topics.get(&post.topic_id)?;
                let seen = viewer.is_system()
                    || (topic_visible(viewer, row) && post_visible(viewer, &post));
                (seen && !post.deleted).then(|| {
                    let info = TargetInfo {
                        author_id: post.author_id,
                        organization_id: post.organization_id,
                        summary: truncate_chars(&post.content, SUMMARY_CHARS),
                        hidden: post.hidden,
                        recipient_id: None,
                    };
                    (post.id.0, info)
                })
            })
            .collect())
    }
}

/// The forum's topics as report targets.
pub struct TopicTargets(pub Forum);

#[async_trait]
impl ModerationTarget for TopicTargets {
    /// One query whatever the number.
    async fn describe_many(
        &self,
        viewer: &Actor,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, TargetInfo>, DomainError> {
        let ids: Vec<TopicId> = ids.iter().copied().map(TopicId).collect();
        let rows = self.0.topics().get_many(&ids).await?;
        Ok(rows
            .into_iter()
            .filter(|row| viewer.is_system() || topic_visible(viewer, row))
            .map(|row| {
                let info = TargetInfo {
                    author_id: row.author_id,
                    organization_id: row.organization_id,
                    summary: row.title.clone(),
                    hidden: row.hidden,
                    recipient_id: None,
                };
                (row.id.0, info)
            })
            .collect())
    }

    async fn set_hidden(&self, by: &Actor, id: Uuid, hidden: bool) -> Result<(), DomainError> {
        self.0.set_topic_hidden(by, TopicId(id), hidden).await
    }

    async fn delete(&self, by: &Actor, id: Uuid) -> Result<(), DomainError> {
        self.0.delete_topic(by, TopicId(id)).await
    }
}

/// The forum's posts as report targets.
pub struct PostTargets(pub Forum);

#[async_trait]
impl ModerationTarget for PostTargets {
    async fn describe_many(
        &self,
        viewer: &Actor,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, TargetInfo>, DomainError> {
        self.0.describe_posts(viewer, ids).await
    }

    async fn set_hidden(&self, by: &Actor, id: Uuid, hidden: bool) -> Result<(), DomainError> {
        self.0.set_post_hidden(by, PostId(id), hidden).await
    }

    async fn delete(&self, by: &Actor, id: Uuid) -> Result<(), DomainError> {
        self.0.delete_post(by, PostId(id)).await
    }
}
