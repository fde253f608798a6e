//! How a content kind plugs into the index: a [`ContentSource`] says which
//! documents an event touched, reads a document back from its store, and
//! lists every document for a rebuild. Sources live where the domain services
//! are (the server wiring), so domain crates need not know about search.

use crate::document::{Kind, SearchDocument};
use async_trait::async_trait;
use p2p_kernel::{DomainError, Event};
use uuid::Uuid;

/// What an event means for the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Read the document again from its store (gone or hidden → removed).
    Refresh(Kind, Uuid),
    /// Refresh, then the documents whose parent it is take its title and
    /// tags again (a post carries its topic's; after a rename).
    RefreshTree(Kind, Uuid),
    /// The document and every document whose parent it is are gone.
    RemoveTree(Kind, Uuid),
}

/// One batch of a full scan and where the next one starts.
pub struct ScanBatch {
    pub documents: Vec<SearchDocument>,
    /// `None` when the scan is complete.
    pub next: Option<String>,
}

#[async_trait]
pub trait ContentSource: Send + Sync + 'static {
    /// A short name for logs.
    fn name(&self) -> &'static str;
    /// The changes an event implies (none when the event is not about this source).
    fn changes(&self, event: &Event) -> Vec<Change>;
    /// The current document, or `None` when it must not be in the index
    /// (deleted, deactivated, unknown).
    async fn load(&self, kind: Kind, id: Uuid) -> Result<Option<SearchDocument>, DomainError>;
    /// Every document, in batches; `after` is the previous batch's `next`.
    async fn scan(&self, after: Option<String>) -> Result<ScanBatch, DomainError>;
}
