//! The forum domain: topics (relational database), posts and threaded replies
//! (a document store: MongoDB in the full deployment, the relational database
//! in the embedded one), upvotes, best answers, pinning and locking, revision
//! history, Markdown rendering with sanitized HTML, and `@mentions`.
//!
//! The HTTP shell calls the [`ForumService`] trait (implemented by [`Forum`]); every method that needs authorization
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

mod api;
mod locks;
mod markdown;
mod service;
mod sql_rows;
mod store;
mod timefmt;
mod topic_store;
mod trending;
mod types;
mod validate;

pub use api::ForumService;
pub use markdown::{Rendered, render_markdown};
pub use service::MAX_DEPTH;
pub use service::posts::TOMBSTONE;
pub use service::topics::FORUM_CHANNEL;
pub use service::{
    Forum, ForumFiles, ForumStates, POST_CREATED, POST_FILES, POST_KIND, PostTargets,
    TOPIC_CREATED, TOPIC_KIND, TopicTargets,
};
pub use store::mongo::MongoPostStore;
pub use store::sql::SqlPostStore;
pub use store::{
    PostEdit, PostRecord, PostStore, Revision, Tombstone, TopicStats, VoteState, thread_segment,
};
pub use trending::trending_score;
pub use types::*;
pub use validate::REQUEST_CONSTRAINTS;
