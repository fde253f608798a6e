//! Forum topics and posts. A topic's document holds its title, tags,
//! category and first post; each post (first posts included, for the
//! statistics) has its own document titled with its topic's title, but first
//! posts are not search results (their topic is). Deleted posts and topics
//! leave the index.

use super::{found, id_of, indexer_actor};
use async_trait::async_trait;
use p2p_forum::{ForumService, PostView, TopicFilter, TopicSort, TopicView};
use p2p_kernel::ids::{PostId, TopicId};
use p2p_kernel::{DomainError, Event, PageRequest};
use p2p_search::{Change, ContentSource, Kind, Metrics, ScanBatch, SearchDocument, html_to_text};
use std::sync::Arc;
use uuid::Uuid;

pub struct ForumSource {
    forum: Arc<dyn ForumService>,
}

impl ForumSource {
    pub fn new(forum: Arc<dyn ForumService>) -> Self {
        Self { forum }
    }

    fn topic_doc(topic: &TopicView, first_post: Option<&PostView>) -> SearchDocument {
        let mut doc = SearchDocument::new(
            Kind::Topic,
            topic.id.0,
            topic.title.clone(),
            topic.created_at,
        );
        doc.organization_id = Some(topic.organization_id.0);
        doc.author_id = Some(topic.author_id.0);
        doc.tags = topic.tags.clone();
        let text =
            first_post.map_or_else(|| topic.excerpt.clone(), |p| html_to_text(&p.content_html));
        doc.body = match &topic.category {
            Some(c) => format!("{text} {c}"),
            None => text,
        };
        doc.metrics = Metrics {
            replies: topic.reply_count,
            upvotes: topic.upvote_count,
            participants: topic.participant_count,
            views: 0,
            best_answer: false,
        };
        doc.active_at = topic.last_activity_at;
        doc
    }

    fn post_doc(topic: &TopicView, post: &PostView) -> Option<SearchDocument> {
        if post.deleted {
            return None;
        }
        let mut doc =
            SearchDocument::new(Kind::Post, post.id.0, topic.title.clone(), post.created_at);
        doc.parent_id = Some(topic.id.0);
        doc.organization_id = Some(
            post.author
                .as_ref()
                .map_or(topic.organization_id.0, |a| a.organization_id.0),
        );
        doc.author_id = Some(post.author_id.0);
        doc.tags = topic.tags.clone();
        doc.body = html_to_text(&post.content_html);
        doc.searchable = !post.is_first_post;
        doc.metrics = Metrics {
            upvotes: post.upvote_count,
            best_answer: post.is_best_answer,
            ..Metrics::default()
        };
        doc.active_at = post.edited_at.unwrap_or(post.created_at);
        Some(doc)
    }

    async fn topic(
        &self,
        id: Uuid,
        posts: u32,
    ) -> Result<Option<p2p_forum::TopicDetail>, DomainError> {
        found(
            self.forum
                .get_topic(&indexer_actor(), TopicId(id), PageRequest::first(posts))
                .await,
        )
    }
}

#[async_trait]
impl ContentSource for ForumSource {
    fn name(&self) -> &'static str {
        "forum"
    }

    fn changes(&self, event: &Event) -> Vec<Change> {
        let d = &event.data;
        match event.name.as_str() {
            "topic.created" => id_of(d, "id")
                .map(|id| vec![Change::Refresh(Kind::Topic, id)])
                .unwrap_or_default(),
            // A rename or new tags reach the topic's posts too.
            "topic.updated" => id_of(d, "id")
                .map(|id| vec![Change::RefreshTree(Kind::Topic, id)])
                .unwrap_or_default(),
            // Hidden topics leave the index with their posts until unhidden.
            "topic.deleted" | "topic.hidden" => id_of(d, "id")
                .map(|id| vec![Change::RemoveTree(Kind::Topic, id)])
                .unwrap_or_default(),
            "topic.unhidden" => id_of(d, "id")
                .map(|id| Change::Refresh(Kind::Topic, id))
                .into_iter()
                .chain(post_ids(d).map(|id| Change::Refresh(Kind::Post, id)))
                .collect(),
            "post.created" | "post.updated" | "post.deleted" | "post.hidden" => [
                id_of(d, "id").map(|id| Change::Refresh(Kind::Post, id)),
                id_of(d, "topic_id").map(|id| Change::Refresh(Kind::Topic, id)),
            ]
            .into_iter()
            .flatten()
            .collect(),
            _ => Vec::new(),
        }
    }

    async fn load(&self, kind: Kind, id: Uuid) -> Result<Option<SearchDocument>, DomainError> {
        match kind {
            Kind::Topic => {
                let Some(detail) = self.topic(id, 1).await? else {
                    return Ok(None);
                };
                let first = detail
                    .posts
                    .items
                    .iter()
                    .find(|p| p.id == detail.topic.first_post_id);
                Ok(Some(Self::topic_doc(&detail.topic, first)))
            }
            Kind::Post => {
                let actor = indexer_actor();
                let Some(post) = found(self.forum.get_post(&actor, PostId(id)).await)? else {
                    return Ok(None);
                };
                let Some(detail) = self.topic(post.topic_id.0, 1).await? else {
                    return Ok(None);
                };
                Ok(Self::post_doc(&detail.topic, &post))
            }
            _ => Ok(None),
        }
    }

    async fn scan(&self, after: Option<String>) -> Result<ScanBatch, DomainError> {
        let actor = indexer_actor();
        let filter = TopicFilter {
            sort: TopicSort::Latest,
            ..TopicFilter::default()
        };
        let topics = self
            .forum
            .list_topics(
                &actor,
                filter,
                PageRequest {
                    limit: 50,
                    cursor: after,
                },
            )
            .await?;
        let mut documents = Vec::new();
        for topic in &topics.items {
            let mut cursor = None;
            let mut first = None;
            loop {
                let page = PageRequest { limit: 100, cursor };
                let Some(detail) = found(self.forum.get_topic(&actor, topic.id, page).await)?
                else {
                    break;
                };
                for post in &detail.posts.items {
                    if post.is_first_post {
                        first = Some(post.clone());
                    }
                    documents.extend(Self::post_doc(&detail.topic, post));
                }
                match detail.posts.next_cursor {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
            documents.push(Self::topic_doc(topic, first.as_ref()));
        }
        Ok(ScanBatch {
            documents,
            next: topics.next_cursor,
        })
    }
}

/// The `post_ids` of a `topic.unhidden` event.
fn post_ids(data: &serde_json::Value) -> impl Iterator<Item = Uuid> + '_ {
    data["post_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|id| id.as_str().and_then(|s| s.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::ForumSource;
    use p2p_forum::{TopicView, trending_score};
    use p2p_kernel::ids::{OrgId, PostId, TopicId, UserId};
    use p2p_search::EngagementRow;
    use time::macros::datetime;
    use uuid::Uuid;

    fn topic(replies: u64, upvotes: u64, participants: u64, hours_ago: i64) -> TopicView {
        let at = datetime!(2026-06-01 12:00 UTC) - time::Duration::hours(hours_ago);
        TopicView {
            id: TopicId::new(),
            organization_id: OrgId::new(),
            author_id: UserId::new(),
            author: None,
            title: format!("{replies} replies, {upvotes} upvotes, {hours_ago} h"),
            category: None,
            tags: Vec::new(),
            pinned: false,
            locked: false,
            post_count: replies + 1,
            reply_count: replies,
            upvote_count: upvotes,
            participant_count: participants,
            last_activity_at: at,
            first_post_id: PostId::new(),
            best_answer_post_id: None,
            excerpt: String::new(),
            created_at: at - time::Duration::hours(1),
            updated_at: at,
        }
    }

    /// The forum's `sort=trending` and the dashboard's trending list rank the
    /// same topics (as the indexer hands them to the dashboard) in the same
    /// order: one formula, whatever the mix of engagement and age.
    #[test]
    fn forum_and_dashboard_rank_topics_alike() {
        let now = datetime!(2026-06-01 12:00 UTC);
        let topics = vec![
            topic(1, 0, 2, 0),
            topic(5, 3, 4, 0),
            topic(5, 3, 4, 48),
            topic(0, 9, 1, 3),
            topic(40, 10, 12, 200),
            topic(2, 1, 2, 12),
            topic(0, 1, 1, 1),
            topic(12, 0, 6, 30),
        ];
        let rows: Vec<EngagementRow> = topics
            .iter()
            .map(|t| {
                let doc = ForumSource::topic_doc(t, None);
                EngagementRow {
                    kind: doc.kind,
                    id: doc.id,
                    metrics: doc.metrics,
                    created_at: doc.created_at,
                    active_at: doc.active_at,
                }
            })
            .collect();
        let dashboard: Vec<Uuid> = p2p_dashboard::trending::score_all(&rows, now)
            .into_iter()
            .map(|(i, _)| rows[i].id)
            .collect();
        let mut forum = topics.clone();
        forum.sort_by(|a, b| trending_score(b, now).total_cmp(&trending_score(a, now)));
        let forum: Vec<Uuid> = forum.iter().map(|t| t.id.0).collect();
        assert_eq!(forum, dashboard);
    }
}
