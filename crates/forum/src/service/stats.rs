//! What other domains ask the forum: does a topic exist (realtime channel
//! authorization) and how much an organization wrote (organization stats).

use super::Forum;
use crate::timefmt::{day, parse_day};
use crate::types::{DailyForumCount, OrgForumCounts};
use p2p_kernel::DomainError;
use p2p_kernel::ids::{OrgId, TopicId};
use std::collections::BTreeMap;
use time::Date;

impl Forum {
    /// See [`crate::ForumService::topic_exists`].
    pub(crate) async fn topic_exists(&self, id: TopicId) -> Result<bool, DomainError> {
        self.topics().exists(id).await
    }

    /// See [`crate::ForumService::org_counts`].
    pub(crate) async fn org_counts(
        &self,
        org: OrgId,
        since: Date,
    ) -> Result<OrgForumCounts, DomainError> {
        let since_day = day(since);
        let topics = self.topics().count_for_org(org).await?;
        let posts = self.posts().count_for_org(org).await?;
        let mut days: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for d in self.topics().daily_for_org(org, &since_day).await? {
            days.entry(d.day).or_default().0 += d.count;
        }
        for d in self.posts().daily_for_org(org, &since_day).await? {
            days.entry(d.day).or_default().1 += d.count;
        }
        let daily = days
            .into_iter()
            .filter_map(|(d, (topics, posts))| {
                Some(DailyForumCount {
                    date: parse_day(&d)?,
                    topics,
                    posts,
                })
            })
            .collect();
        Ok(OrgForumCounts {
            topics,
            posts,
            daily,
        })
    }
}
