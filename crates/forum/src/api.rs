//! [`ForumService`]: what the HTTP shell, the search indexer, the seed and
//! the other domains call, implemented by [`Forum`].

use crate::service::Forum;
use crate::types::{
    NewPost, NewTopic, OrgForumCounts, PostPatch, PostView, RevisionView, TopicDetail, TopicFilter,
    TopicPatch, TopicView, TopicWithFirstPost, VoteView,
};
use async_trait::async_trait;
use p2p_kernel::ids::{OrgId, PostId, TopicId};
use p2p_kernel::{Actor, DomainError, Page, PageRequest};
use time::Date;

/// The forum: topics, posts, votes, best answers, moderation.
///
/// Visibility: forum content is visible to every signed-in user of the
/// platform. Authors edit and delete their own content; an organization's
/// admins moderate what their organization owns (topics it opened, posts its
/// members wrote, posts in its topics); platform operators moderate everything.
#[async_trait]
pub trait ForumService: Send + Sync + 'static {
    /// Topics visible to every signed-in user: pinned first, then `filter.sort`
    /// (see [`crate::TopicSort`]); keyset-paginated (`invalid_cursor` for a
    /// cursor of another sort).
    async fn list_topics(
        &self,
        actor: &Actor,
        filter: TopicFilter,
        page: PageRequest,
    ) -> Result<Page<TopicView>, DomainError>;

    /// Opens a topic in the caller's organization with its first post.
    /// Announces `topic.created` on `forum` and the first post's
    /// `post.created` (with its mentions) on `topic:<id>`.
    async fn create_topic(
        &self,
        actor: &Actor,
        input: NewTopic,
    ) -> Result<TopicWithFirstPost, DomainError>;

    /// A topic and one page of its posts in thread order: top-level posts by
    /// creation time, each directly followed by its replies (depth first,
    /// siblings by creation time, then id). The cursor is the position of the
    /// last post shown; replies added later to posts before it appear in the
    /// topic's events, not in later pages.
    async fn get_topic(
        &self,
        actor: &Actor,
        id: TopicId,
        page: PageRequest,
    ) -> Result<TopicDetail, DomainError>;

    /// Edits title, category or tags (the author, an admin of the topic's
    /// organization, or a platform operator). Announces `topic.updated`.
    async fn update_topic(
        &self,
        actor: &Actor,
        id: TopicId,
        patch: TopicPatch,
    ) -> Result<TopicView, DomainError>;

    /// Deletes a topic and all its posts (the author, an admin of the topic's
    /// organization, or a platform operator). Announces `topic.deleted`.
    async fn delete_topic(&self, actor: &Actor, id: TopicId) -> Result<(), DomainError>;

    /// Pins or unpins (an admin of the topic's organization or a platform
    /// operator). Announces `topic.updated`.
    async fn set_pinned(
        &self,
        actor: &Actor,
        id: TopicId,
        pinned: bool,
    ) -> Result<TopicView, DomainError>;

    /// Locks (no new posts) or unlocks (an admin of the topic's organization
    /// or a platform operator). Announces `topic.updated`.
    async fn set_locked(
        &self,
        actor: &Actor,
        id: TopicId,
        locked: bool,
    ) -> Result<TopicView, DomainError>;

    /// Adds a post to a topic, or a threaded reply when `parent_id` is set
    /// (the parent must be in the same topic; replies nest at most
    /// [`crate::MAX_DEPTH`] deep). A locked topic refuses with 409
    /// `topic_locked`. The topic's counts and last activity follow.
    /// Announces `post.created` on `topic:<id>` with `mentioned_user_ids`.
    async fn create_post(
        &self,
        actor: &Actor,
        topic: TopicId,
        input: NewPost,
    ) -> Result<PostView, DomainError>;

    /// One post; a deleted one is 404 (its tombstone stays in the thread).
    async fn get_post(&self, actor: &Actor, id: PostId) -> Result<PostView, DomainError>;

    /// The caller's own posts that are not deleted (hidden ones and those in
    /// hidden topics included), oldest first, read from the store at once
    /// (no indexing delay): their personal-data export.
    async fn own_posts(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<PostView>, DomainError>;

    /// Edits a post (its author, an admin of the author's organization, or a
    /// platform operator; in a locked topic only the latter two); the previous
    /// version is kept as a revision. Announces `post.updated`.
    async fn update_post(
        &self,
        actor: &Actor,
        id: PostId,
        patch: PostPatch,
    ) -> Result<PostView, DomainError>;

    /// Deletes a post (its author, an admin of the author's organization or of
    /// the topic's organization, or a platform operator). The post stays in
    /// the thread as a tombstone (content `[deleted]`, no attachments) so its
    /// replies keep their place; the topic's counts follow. The first post is
    /// deleted with its topic only (409 `first_post_not_deletable`).
    /// Announces `post.deleted` (and `topic.updated` when it was the answer).
    async fn delete_post(&self, actor: &Actor, id: PostId) -> Result<(), DomainError>;

    /// The earlier versions of a post, oldest first (a deleted post: 404).
    async fn list_revisions(
        &self,
        actor: &Actor,
        id: PostId,
    ) -> Result<Vec<RevisionView>, DomainError>;

    /// Upvotes a post; idempotent (a second upvote changes nothing). Authors
    /// cannot upvote their own posts (409 `cannot_upvote_own_post`), deleted
    /// posts take no votes (409 `post_deleted`). A changed vote updates the
    /// topic's counts and announces `post.updated`.
    async fn upvote(&self, actor: &Actor, id: PostId) -> Result<VoteView, DomainError>;

    /// Removes the caller's upvote; idempotent.
    async fn remove_upvote(&self, actor: &Actor, id: PostId) -> Result<VoteView, DomainError>;

    /// Marks the accepted answer of a topic (the topic's author, an admin of
    /// the topic's organization, or a platform operator). One per topic:
    /// marking another post moves it. The first post cannot be the answer
    /// (409 `first_post_cannot_be_answer`), nor can a deleted post.
    /// Announces `topic.updated` and `post.updated` for the posts whose flag
    /// changed.
    async fn mark_best_answer(&self, actor: &Actor, id: PostId) -> Result<TopicView, DomainError>;

    /// Removes the accepted answer of a topic (same permission as marking it).
    async fn clear_best_answer(
        &self,
        actor: &Actor,
        topic: TopicId,
    ) -> Result<TopicView, DomainError>;

    /// Whether the topic exists (every signed-in user may see every topic;
    /// the realtime channel check).
    async fn topic_exists(&self, id: TopicId) -> Result<bool, DomainError>;

    /// Topics opened and posts written by members of `org`: totals, and per
    /// UTC day for the days on or after `since` (days without any left out).
    async fn org_counts(&self, org: OrgId, since: Date) -> Result<OrgForumCounts, DomainError>;
}

#[async_trait]
impl ForumService for Forum {
    async fn list_topics(
        &self,
        actor: &Actor,
        filter: TopicFilter,
        page: PageRequest,
    ) -> Result<Page<TopicView>, DomainError> {
        Forum::list_topics(self, actor, filter, page).await
    }

    async fn create_topic(
        &self,
        actor: &Actor,
        input: NewTopic,
    ) -> Result<TopicWithFirstPost, DomainError> {
        Forum::create_topic(self, actor, input).await
    }

    async fn get_topic(
        &self,
        actor: &Actor,
        id: TopicId,
        page: PageRequest,
    ) -> Result<TopicDetail, DomainError> {
        Forum::get_topic(self, actor, id, page).await
    }

    async fn update_topic(
        &self,
        actor: &Actor,
        id: TopicId,
        patch: TopicPatch,
    ) -> Result<TopicView, DomainError> {
        Forum::update_topic(self, actor, id, patch).await
    }

    async fn delete_topic(&self, actor: &Actor, id: TopicId) -> Result<(), DomainError> {
        Forum::delete_topic(self, actor, id).await
    }

    async fn set_pinned(
        &self,
        actor: &Actor,
        id: TopicId,
        pinned: bool,
    ) -> Result<TopicView, DomainError> {
        Forum::set_pinned(self, actor, id, pinned).await
    }

    async fn set_locked(
        &self,
        actor: &Actor,
        id: TopicId,
        locked: bool,
    ) -> Result<TopicView, DomainError> {
        Forum::set_locked(self, actor, id, locked).await
    }

    async fn create_post(
        &self,
        actor: &Actor,
        topic: TopicId,
        input: NewPost,
    ) -> Result<PostView, DomainError> {
        Forum::create_post(self, actor, topic, input).await
    }

    async fn get_post(&self, actor: &Actor, id: PostId) -> Result<PostView, DomainError> {
        Forum::get_post(self, actor, id).await
    }

    async fn own_posts(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<PostView>, DomainError> {
        Forum::own_posts(self, actor, page).await
    }

    async fn update_post(
        &self,
        actor: &Actor,
        id: PostId,
        patch: PostPatch,
    ) -> Result<PostView, DomainError> {
        Forum::update_post(self, actor, id, patch).await
    }

    async fn delete_post(&self, actor: &Actor, id: PostId) -> Result<(), DomainError> {
        Forum::delete_post(self, actor, id).await
    }

    async fn list_revisions(
        &self,
        actor: &Actor,
        id: PostId,
    ) -> Result<Vec<RevisionView>, DomainError> {
        Forum::list_revisions(self, actor, id).await
    }

    async fn upvote(&self, actor: &Actor, id: PostId) -> Result<VoteView, DomainError> {
        Forum::vote(self, actor, id, true).await
    }

    async fn remove_upvote(&self, actor: &Actor, id: PostId) -> Result<VoteView, DomainError> {
        Forum::vote(self, actor, id, false).await
    }

    async fn mark_best_answer(&self, actor: &Actor, id: PostId) -> Result<TopicView, DomainError> {
        Forum::mark_best_answer(self, actor, id).await
    }

    async fn clear_best_answer(
        &self,
        actor: &Actor,
        topic: TopicId,
    ) -> Result<TopicView, DomainError> {
        Forum::clear_best_answer(self, actor, topic).await
    }

    async fn topic_exists(&self, id: TopicId) -> Result<bool, DomainError> {
        Forum::topic_exists(self, id).await
    }

    async fn org_counts(&self, org: OrgId, since: Date) -> Result<OrgForumCounts, DomainError> {
        Forum::org_counts(self, org, since).await
    }
}
