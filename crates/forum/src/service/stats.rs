//! What other domains ask the forum: does a topic exist (realtime channel
//! authorization) and how much an organization wrote (organization stats).

use super::Forum;
use crate::types::OrgForumCounts;
use p2p_kernel::DomainError;
use p2p_kernel::day_count::sum_by_day;
use p2p_kernel::ids::{OrgId, TopicId};
use time::Date;

impl Forum {
    /// See [`crate::ForumService::topic_exists`].
    pub(crate) async fn topic_exists(&self, id: TopicId) -> Result<bool, DomainError> {
        self.topics().exists(id).await
    }

    /// See [`crate::ForumService::org_counts`]. What moderators hid (topics,
    /// posts, and the posts of hidden topics) is not counted.
    pub(crate) async fn org_counts(
        &self,
        org: OrgId,
        since: Date,
    ) -> Result<OrgForumCounts, DomainError> {
        let hidden_topics = self.topics().hidden_ids().await?;
        let (topics, posts) = (self.topics(), self.posts());
        let (topic_count, post_count, topic_days, post_days) = tokio::try_join!(
            topics.count_for_org(org),
            posts.count_for_org(org, &hidden_topics),
            topics.daily_for_org(org, since),
            posts.daily_for_org(org, since, &hidden_topics),
        )?;
        Ok(OrgForumCounts {
            topics: topic_count,
            posts: post_count,
            daily: sum_by_day(topic_days.into_iter().chain(post_days)),
        })
    }
}
