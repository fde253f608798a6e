//! Requests and responses of the forum service (they become the OpenAPI schemas).

use p2p_kernel::Page;
use p2p_kernel::ids::{FileId, OrgId, PostId, TopicId, UserId};
use p2p_kernel::ports::{FileInfo, UserSummary};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// A file attached to a post, as the post store keeps it: the file's id and
/// its metadata when it was attached (posts show them as [`FileInfo`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    pub file_id: FileId,
    /// 1–255 characters, no control characters.
    pub filename: String,
    /// MIME type, e.g. `application/pdf`.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
}

/// A new topic and its first post.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct NewTopic {
    /// Plain text, 5–200 characters.
    pub title: String,
    /// Markdown, 1–20,000 characters: the topic's first post.
    pub content: String,
    /// Free text, at most 100 characters.
    #[serde(default)]
    pub category: Option<String>,
    /// At most 10 tags of 1–40 characters; stored lower-case, duplicates removed.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Files attached to the first post (at most 10): ids from the files API,
    /// uploaded by the caller and not attached to anything else.
    #[serde(default)]
    pub attachments: Option<Vec<FileId>>,
}

/// Changes to a topic; absent fields stay as they are.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct TopicPatch {
    /// Plain text, 5–200 characters.
    #[serde(default)]
    pub title: Option<String>,
    /// A new category; an empty string removes it.
    #[serde(default)]
    pub category: Option<String>,
    /// Replaces the tags (an empty list removes them all).
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

/// A post (or a threaded reply when `parent_id` is set) in a topic.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct NewPost {
    /// Markdown, 1–20,000 characters. `@first.last` mentions a user.
    pub content: String,
    /// The post this one replies to; it must belong to the same topic.
    #[serde(default)]
    pub parent_id: Option<PostId>,
    /// Files attached to the post (at most 10): ids from the files API,
    /// uploaded by the caller and not attached to anything else.
    #[serde(default)]
    pub attachments: Option<Vec<FileId>>,
}

/// An edit of a post; the previous content is kept as a revision.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct PostPatch {
    /// Markdown, 1–20,000 characters.
    pub content: String,
    /// Replaces the attachments when present (files the post keeps, plus new
    /// uploads of the caller; files left out are deleted).
    #[serde(default)]
    pub attachments: Option<Vec<FileId>>,
}

/// Order of a topic list. Pinned topics always come first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TopicSort {
    /// Newest topics first (by creation time).
    #[default]
    Latest,
    /// Most upvoted first (upvotes of all the topic's posts).
    Top,
    /// Highest trending score first: the platform's one formula (the
    /// dashboard's), engagement (replies, upvotes, participants) decayed by
    /// the hours since the latest post.
    Trending,
    /// Topics without any reply, newest first.
    Unanswered,
}

impl TopicSort {
    pub fn as_str(self) -> &'static str {
        match self {
            TopicSort::Latest => "latest",
            TopicSort::Top => "top",
            TopicSort::Trending => "trending",
            TopicSort::Unanswered => "unanswered",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "latest" => Some(TopicSort::Latest),
            "top" => Some(TopicSort::Top),
            "trending" => Some(TopicSort::Trending),
            "unanswered" => Some(TopicSort::Unanswered),
            _ => None,
        }
    }
}

/// Filters of a topic list; all optional and combined with AND.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopicFilter {
    /// Exact category, case-insensitive.
    #[serde(default)]
    pub category: Option<String>,
    /// Topics carrying this tag (case-insensitive).
    #[serde(default)]
    pub tag: Option<String>,
    #[serde(default)]
    pub author_id: Option<UserId>,
    /// Words that must all appear in the title or the first post.
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub sort: TopicSort,
}

/// A topic as lists and details show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TopicView {
    pub id: TopicId,
    /// The organization of the author when the topic was created.
    pub organization_id: OrgId,
    pub author_id: UserId,
    /// The author (absent when the account is unknown).
    pub author: Option<UserSummary>,
    /// Plain text as given (clients must escape it when rendering HTML).
    pub title: String,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub pinned: bool,
    pub locked: bool,
    /// Posts that are not deleted, the first post included.
    pub post_count: u64,
    /// Posts that are not deleted, without the first post.
    pub reply_count: u64,
    /// Upvotes of all the topic's (not deleted) posts.
    pub upvote_count: u64,
    /// Distinct authors of the topic's (not deleted) posts.
    pub participant_count: u64,
    /// Time of the latest post (or of the topic's creation).
    #[serde(with = "time::serde::rfc3339")]
    pub last_activity_at: OffsetDateTime,
    pub first_post_id: PostId,
    pub best_answer_post_id: Option<PostId>,
    /// The beginning of the first post as plain text.
    pub excerpt: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A post or reply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PostView {
    pub id: PostId,
    pub topic_id: TopicId,
    /// The post this one replies to (`null` for a top-level post).
    pub parent_id: Option<PostId>,
    /// 0 for a top-level post, parent's depth + 1 for a reply.
    pub depth: u32,
    pub author_id: UserId,
    pub author: Option<UserSummary>,
    /// The Markdown source as written. Render `content_html`, never this, as HTML.
    pub content: String,
    /// The Markdown rendered to sanitized HTML: no scripts, event handlers,
    /// styles or `javascript:`/`data:` URLs; links get
    /// `rel="nofollow noopener noreferrer"`.
    pub content_html: String,
    /// Attached files; their `url` answers whoever may read the post.
    pub attachments: Vec<FileInfo>,
    /// Users mentioned with `@first.last`.
    pub mentioned_user_ids: Vec<UserId>,
    pub upvote_count: u64,
    /// Whether the caller upvoted this post.
    pub upvoted_by_me: bool,
    pub is_best_answer: bool,
    /// The topic's opening post.
    pub is_first_post: bool,
    /// Deleted posts stay in the thread as tombstones.
    pub deleted: bool,
    /// How many earlier versions are kept.
    pub revision_count: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// Time of the latest edit.
    #[serde(with = "time::serde::rfc3339::option")]
    pub edited_at: Option<OffsetDateTime>,
}

/// A newly created topic and its first post.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TopicWithFirstPost {
    pub topic: TopicView,
    pub first_post: PostView,
}

/// A topic and one page of its posts in thread order: top-level posts by
/// creation time, each followed by its replies (depth first, each level by
/// creation time).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TopicDetail {
    pub topic: TopicView,
    pub posts: Page<PostView>,
}

/// The caller's vote on a post after an upvote or its removal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct VoteView {
    pub post_id: PostId,
    pub upvote_count: u64,
    /// Whether the caller's upvote is now counted.
    pub upvoted: bool,
}

/// An earlier version of a post, kept when it was edited.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RevisionView {
    /// The Markdown source of that version.
    pub content: String,
    pub content_html: String,
    /// When this version was replaced.
    #[serde(with = "time::serde::rfc3339")]
    pub edited_at: OffsetDateTime,
    /// Who replaced it.
    pub edited_by: UserId,
}

/// Forum content of one organization that everyone sees: topics its members
/// opened and posts they wrote (first posts included; deleted and hidden
/// posts, posts of hidden topics and hidden topics excluded).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrgForumCounts {
    pub topics: u64,
    pub posts: u64,
    /// Topics and posts created per UTC day, for days on or after `since`
    /// with at least one, oldest first.
    pub daily: Vec<p2p_kernel::DayCount>,
}
