//! The forum domain: topics (relational database), posts and threaded replies
//! (a document store: MongoDB in the full deployment, the relational database
//! in the embedded one), upvotes, best answers, pinning and locking, revision
//! history, Markdown rendering with sanitized HTML, and `@mentions`.
//!
//! The HTTP shell calls [`ForumService`]; every method that needs authorization
//! takes the calling [`p2p_kernel::Actor`]. Posts live behind the [`PostStore`]
//! port with two implementations, [`MongoPostStore`] and [`SqlPostStore`], that
//! pass the same contract suite.
//!
//! Events (published after the write succeeded): `topic.created` on channel
//! `forum`; `post.created`, `post.updated`, `post.deleted`, `topic.updated` and
//! `topic.deleted` on `topic:<topic_id>`. Their data is the view JSON
//! ([`TopicView`], [`PostView`]); a post's view carries `mentioned_user_ids`.
//! [`ForumStates`] tells the realtime hub what replayed `topic.*` and `post.*`
//! events carry now (the current view; a deleted object only its id).

mod locks;
mod markdown;
mod repo;
mod service;
mod store;
mod timefmt;
mod trending;
mod types;
mod validate;

pub use markdown::{Rendered, render_markdown};
pub use service::MAX_DEPTH;
pub use service::posts::TOMBSTONE;
pub use service::topics::FORUM_CHANNEL;
pub use service::{ForumFiles, ForumService, ForumStates, POST_FILES, POST_KIND, TOPIC_KIND};
pub use store::mongo::MongoPostStore;
pub use store::sql::SqlPostStore;
pub use store::{
    DayCount, PostEdit, PostRecord, PostStore, Revision, Tombstone, TopicStats, VoteState,
    thread_segment,
};
pub use types::*;

/// Stable machine codes of the forum's own errors (besides the kernel's
/// `not_found`, `forbidden`, `validation_failed`, `invalid_cursor`...).
pub mod codes {
    /// 409: the topic is locked and takes no new posts.
    pub const TOPIC_LOCKED: &str = "topic_locked";
    /// 409: the post was deleted (it cannot be edited, voted on or accepted).
    pub const POST_DELETED: &str = "post_deleted";
    /// 409: authors cannot upvote their own posts.
    pub const OWN_POST: &str = "cannot_upvote_own_post";
    /// 409: the first post of a topic cannot be the accepted answer.
    pub const FIRST_POST_ANSWER: &str = "first_post_cannot_be_answer";
    /// 409: the first post of a topic is deleted with its topic, not alone.
    pub const FIRST_POST_DELETE: &str = "first_post_not_deletable";
}
