//! One search index over users, topics, posts and use cases.
//!
//! The index is a read model (`search_documents`): PostgreSQL full text
//! (weighted `tsvector`, GIN; typo tolerance over an affix-indexed vocabulary) or SQLite FTS5, see
//! [`SearchIndex`]. Each content kind plugs in through a [`ContentSource`]
//! (which documents an event changed, how to read one, how to list all),
//! implemented where the domain services are wired. The [`IndexingBus`] wraps
//! the event bus so every domain event also reaches the [`Indexer`], which
//! keeps the index within about a second of the stores; [`Indexer::reindex`]
//! rebuilds it from the stores (after a crash between a commit and its
//! event, or a full queue). [`SearchService`] ([`IndexSearch`]) answers queries with
//! visibility, filters, ranking, snippets and cursor pagination.

pub mod analysis;
mod document;
mod index;
mod indexer;
mod service;
mod source;
mod text;
mod types;

pub use document::{Kind, Metrics, SearchDocument};
pub use index::{
    ActivityRow, CANDIDATES, DocumentHead, EngagementRow, Hit, IndexQuery, KindTotals,
    PlatformCounts, SearchIndex, SearchPosition, StatsScope, TrendingRow,
};
pub use indexer::{IndexFeed, Indexer, IndexingBus, indexing_bus};
pub use service::{IndexSearch, SearchService};
pub use source::{Change, ContentSource, ScanBatch};
pub use text::{highlight, html_to_text, within_one_edit};
pub use types::{SearchHit, SearchParams, SearchScope};

/// A time as the index stores it (epoch milliseconds).
pub fn index_ms(t: time::OffsetDateTime) -> i64 {
    index::to_ms_pub(t)
}
