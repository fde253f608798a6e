//! Keeping the index fresh. [`IndexingBus`] wraps the event bus the domain
//! services publish to: every event goes on to the wrapped bus (the realtime
//! hub) and, through a bounded queue, to the [`Indexer`], which asks each
//! [`ContentSource`] what the event changed and re-reads those documents.
//! An event lost between a commit and the index (a crash, a full queue) is
//! repaired by a rebuild: [`Indexer::reindex`] (`cargo xtask reindex`).

use crate::document::Kind;
use crate::index::SearchIndex;
use crate::source::{Change, ContentSource};
use async_trait::async_trait;
use p2p_kernel::ports::EventBus;
use p2p_kernel::{DomainError, Event};
use std::sync::Arc;
use tokio::sync::{Mutex, Notify, mpsc, watch};

/// Events waiting for the indexer at most; beyond, they are dropped with a
/// warning (a reindex repairs what they would have changed).
const QUEUE: usize = 10_000;
/// Events applied together at most (their changes are deduplicated).
const BATCH: usize = 256;

/// Forwards every event to `inner` and to the indexer's queue.
pub struct IndexingBus {
    inner: Arc<dyn EventBus>,
    tx: mpsc::Sender<Event>,
}

#[async_trait]
impl EventBus for IndexingBus {
    async fn publish(&self, event: Event) {
        if let Err(e) = self.tx.try_send(event.clone()) {
            tracing::warn!(event = %event.name, error = %e, "search indexer queue refused an event; run a reindex");
        }
        self.inner.publish(event).await;
    }
}

/// The queue between an [`IndexingBus`] and its [`Indexer`].
pub struct IndexFeed(mpsc::Receiver<Event>);

/// A bus that also feeds the indexer, and the indexer's end of the queue.
pub fn indexing_bus(inner: Arc<dyn EventBus>) -> (IndexingBus, IndexFeed) {
    let (tx, rx) = mpsc::channel(QUEUE);
    (IndexingBus { inner, tx }, IndexFeed(rx))
}

/// Applies events to the index; rebuilds it on demand.
#[derive(Clone)]
pub struct Indexer {
    index: SearchIndex,
    sources: Arc<Vec<Arc<dyn ContentSource>>>,
    feed: Arc<Mutex<Option<IndexFeed>>>,
    changed: Arc<Notify>,
}

impl Indexer {
    pub fn new(index: SearchIndex, sources: Vec<Arc<dyn ContentSource>>, feed: IndexFeed) -> Self {
        Self {
            index,
            sources: Arc::new(sources),
            feed: Arc::new(Mutex::new(Some(feed))),
            changed: Arc::new(Notify::new()),
        }
    }

    /// Notified after each applied batch of changes (the trending refresher waits on it).
    pub fn changed(&self) -> Arc<Notify> {
        self.changed.clone()
    }

    /// Applies queued events until shutdown (or until every bus is gone).
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let Some(IndexFeed(mut rx)) = self.feed.lock().await.take() else {
            tracing::warn!("the search indexer is already running");
            return;
        };
        let mut events = Vec::with_capacity(BATCH);
        loop {
            tokio::select! {
                n = rx.recv_many(&mut events, BATCH) => {
                    if n == 0 {
                        return;
                    }
                    self.apply(&events).await;
                    events.clear();
                }
                _ = shutdown.changed() => return,
            }
        }
    }

    /// Applies the changes a batch of events implies (each document once).
    pub async fn apply(&self, events: &[Event]) {
        let mut changes: Vec<(usize, Change)> = Vec::new();
        for event in events {
            for (i, source) in self.sources.iter().enumerate() {
                for change in source.changes(event) {
                    if !changes.contains(&(i, change)) {
                        changes.push((i, change));
                    }
                }
            }
        }
        if changes.is_empty() {
            return;
        }
        for (i, change) in changes {
            let Some(source) = self.sources.get(i) else {
                continue;
            };
            if let Err(e) = self.apply_change(source.as_ref(), change).await {
                tracing::warn!(source = source.name(), ?change, error = %e, "search index not updated; run a reindex");
            }
        }
        self.changed.notify_one();
    }

    async fn apply_change(
        &self,
        source: &dyn ContentSource,
        change: Change,
    ) -> Result<(), DomainError> {
        match change {
            Change::Refresh(kind, id) => match source.load(kind, id).await? {
                Some(doc) => self.index.upsert(&doc).await,
                None => self.index.remove(kind, id).await,
            },
            Change::RefreshTree(kind, id) => match source.load(kind, id).await? {
                Some(doc) => {
                    self.index.upsert(&doc).await?;
                    self.index.inherit(&doc).await.map(|_| ())
                }
                None => self.index.remove(kind, id).await,
            },
            Change::RemoveTree(kind, id) => self.index.remove_tree(kind, id).await,
        }
    }

    /// Rebuilds the index from every source; returns the documents indexed per kind.
    pub async fn reindex(&self) -> Result<Vec<(Kind, u64)>, DomainError> {
        self.index.clear().await?;
        let mut counts: Vec<(Kind, u64)> = Kind::ALL.iter().map(|k| (*k, 0)).collect();
        for source in self.sources.iter() {
            self.load_all(source.as_ref(), &mut counts).await?;
        }
        self.changed.notify_one();
        Ok(counts)
    }

    /// Indexes every document of the source named `name` (see
    /// [`ContentSource::name`]) without clearing anything, in bulk; returns
    /// how many. For bulk loads (benchmarks) of content written straight to a store.
    pub async fn index_source(&self, name: &str) -> Result<u64, DomainError> {
        let Some(source) = self.sources.iter().find(|s| s.name() == name) else {
            return Err(DomainError::not_found("content source"));
        };
        let mut counts: Vec<(Kind, u64)> = Kind::ALL.iter().map(|k| (*k, 0)).collect();
        self.load_all(source.as_ref(), &mut counts).await?;
        self.changed.notify_one();
        Ok(counts.iter().map(|(_, n)| n).sum())
    }

    async fn load_all(
        &self,
        source: &dyn ContentSource,
        counts: &mut [(Kind, u64)],
    ) -> Result<(), DomainError> {
        let mut after = None;
        loop {
            let batch = source.scan(after).await?;
            self.index.upsert_many(&batch.documents).await?;
            for doc in &batch.documents {
                if let Some(c) = counts.iter_mut().find(|(k, _)| *k == doc.kind) {
                    c.1 += 1;
                }
            }
            match batch.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        tracing::info!(source = source.name(), "reindexed");
        Ok(())
    }
}
