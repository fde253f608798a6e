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
use futures_util::StreamExt;
use p2p_kernel::footprint::{Footprint, Size};
use p2p_kernel::ports::{EventBus, PortError};
use p2p_kernel::{DomainError, Event};
use std::sync::Arc;
use tokio::sync::{Mutex, Notify, mpsc, watch};

/// Events applied together at most (their changes are deduplicated).
const BATCH: usize = 256;
/// Documents read from their stores at the same time.
const CONCURRENT_LOADS: usize = 4;

/// Forwards every event to `inner` and to the indexer's queue.
pub struct IndexingBus {
    inner: Arc<dyn EventBus>,
    tx: mpsc::Sender<Event>,
}

/// Fails as the wrapped bus does (the indexer's queue only logs).
#[async_trait]
impl EventBus for IndexingBus {
    async fn publish(&self, event: Event) -> Result<(), PortError> {
        if let Err(e) = self.tx.try_send(event.clone()) {
            tracing::warn!(event = %event.name, error = %e, "search indexer queue refused an event; run a reindex");
        }
        self.inner.publish(event).await
    }
}

/// Publishing to the indexer itself applies the event before returning (for
/// an outbox handler, whose event must not be done before it is indexed).
/// Never fails: what cannot be indexed is logged, and a reindex repairs it.
#[async_trait]
impl EventBus for Indexer {
    async fn publish(&self, event: Event) -> Result<(), PortError> {
        self.apply(std::slice::from_ref(&event)).await;
        Ok(())
    }
}

/// The queue between an [`IndexingBus`] and its [`Indexer`].
pub struct IndexFeed {
    rx: mpsc::Receiver<Event>,
    /// To measure the queue without keeping it open.
    tx: mpsc::WeakSender<Event>,
}

/// A bus that also feeds the indexer through a queue of `capacity` events
/// (beyond, events are dropped with a warning: a reindex repairs what they
/// would have changed), and the indexer's end of the queue.
pub fn indexing_bus(inner: Arc<dyn EventBus>, capacity: usize) -> (IndexingBus, IndexFeed) {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    let weak = tx.downgrade();
    (IndexingBus { inner, tx }, IndexFeed { rx, tx: weak })
}

/// Applies events to the index; rebuilds it on demand.
#[derive(Clone)]
pub struct Indexer {
    index: SearchIndex,
    sources: Arc<Vec<Arc<dyn ContentSource>>>,
    feed: Arc<Mutex<Option<IndexFeed>>>,
    queue: mpsc::WeakSender<Event>,
    changed: Arc<Notify>,
    /// Held while a batch is applied. Events reach the indexer two ways (its
    /// queue, and outbox handlers publishing to it directly), and each
    /// applier reads documents as they are then and writes them: two at once
    /// could write an older read last (a post's second upvote lost from the
    /// index until its next change). One at a time, a later applier always
    /// reads what the earlier one saw or newer.
    applying: Arc<Mutex<()>>,
}

impl Footprint for Indexer {
    fn footprint(&self) -> Vec<Size> {
        let depth = self
            .queue
            .upgrade()
            .map_or(0, |tx| tx.max_capacity() - tx.capacity());
        vec![Size::count("search_index_queue_depth", depth)]
    }
}

impl Indexer {
    pub fn new(index: SearchIndex, sources: Vec<Arc<dyn ContentSource>>, feed: IndexFeed) -> Self {
        Self {
            index,
            sources: Arc::new(sources),
            queue: feed.tx.clone(),
            feed: Arc::new(Mutex::new(Some(feed))),
            changed: Arc::new(Notify::new()),
            applying: Arc::new(Mutex::new(())),
        }
    }

    /// Notified after each applied batch of changes (the trending refresher waits on it).
    pub fn changed(&self) -> Arc<Notify> {
        self.changed.clone()
    }

    /// Applies queued events until shutdown (or until every bus is gone).
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let Some(IndexFeed { mut rx, .. }) = self.feed.lock().await.take() else {
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
    /// Failures are logged (a reindex repairs them).
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
        let _one_at_a_time = self.applying.lock().await;
        // Plain refreshes first, read a few at a time and written together;
        // then what touches whole trees, in order (a removal after the
        // refresh of a document it removes).
        let (refreshes, trees): (Vec<_>, Vec<_>) = changes
            .into_iter()
            .partition(|(_, change)| matches!(change, Change::Refresh(..)));
        self.refresh_all(refreshes).await;
        for (i, change) in trees {
            let Some(source) = self.sources.get(i) else {
                continue;
            };
            if let Err(e) = self.apply_change(source.as_ref(), change).await {
                tracing::warn!(source = source.name(), ?change, error = %e, "search index not updated; run a reindex");
            }
        }
        self.changed.notify_one();
    }

    /// Reads the documents of `refreshes` (a few concurrently), upserts those
    /// that exist in one write and removes the others.
    async fn refresh_all(&self, refreshes: Vec<(usize, Change)>) {
        let loads = refreshes.into_iter().filter_map(|(i, change)| {
            let source = self.sources.get(i)?.clone();
            let Change::Refresh(kind, id) = change else {
                return None;
            };
            Some(async move { (source.name(), kind, id, source.load(kind, id).await) })
        });
        let loaded: Vec<_> = futures_util::stream::iter(loads)
            .buffer_unordered(CONCURRENT_LOADS)
            .collect()
            .await;
        let mut found = Vec::with_capacity(loaded.len());
        for (source, kind, id, result) in loaded {
            let outcome = match result {
                Ok(Some(doc)) => {
                    found.push(doc);
                    Ok(())
                }
                Ok(None) => self.index.remove(kind, id).await,
                Err(e) => Err(e),
            };
            if let Err(e) = outcome {
                tracing::warn!(source, ?kind, %id, error = %e, "search index not updated; run a reindex");
            }
        }
        if let Err(e) = self.index.upsert_many(&found).await {
            tracing::warn!(documents = found.len(), error = %e, "search index not updated; run a reindex");
        }
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

    /// Re-analyzes the documents an older analysis chain indexed (see
    /// [`SearchIndex::upgrade`]), until done or shutdown. Started with the
    /// server, so an upgraded deployment finds its old documents again
    /// without a reindex.
    pub async fn upgrade(self, mut shutdown: watch::Receiver<bool>) {
        let started = std::time::Instant::now();
        tokio::select! {
            result = self.index.upgrade() => match result {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(documents = n, seconds = started.elapsed().as_secs_f64(), "search index re-analyzed");
                    self.changed.notify_one();
                }
                Err(e) => tracing::warn!(error = %e, "search index not re-analyzed; run a reindex"),
            },
            _ = shutdown.changed() => {}
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
