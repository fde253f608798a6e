//! The local subscribers of each channel, grouped by the thread that serves
//! them.
//!
//! Waking a connection's task from another thread costs a system call on the
//! runtimes that serve sockets (a current-thread runtime wakes its driver for
//! every task scheduled from outside). So when the hub is told how to run a
//! task on a connection's own thread ([`SpawnLocal`]), each such thread gets
//! a shard: a task of its own that receives each event once and queues it for
//! the thread's connections, whose wake-ups then stay on that thread. A
//! connection created where no shard can run is served directly by the hub's
//! dispatcher, as every connection is without a [`SpawnLocal`].

use crate::channel::Channel;
use crate::outbox::{Delivery, Outbox, Pushed};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};
use std::thread::ThreadId;
use tokio::sync::mpsc;

/// A task that must run on the thread that spawns it.
pub type LocalTask = Pin<Box<dyn Future<Output = ()>>>;

/// Runs a task on the calling thread, when the thread can (an actix worker
/// can; a thread of a multi-threaded Tokio runtime cannot): returns the task
/// back when it cannot.
pub type SpawnLocal = Arc<dyn Fn(LocalTask) -> Result<(), LocalTask> + Send + Sync>;

/// One event (or resync) for the connections of one shard.
struct Batch {
    channel: Channel,
    delivery: Delivery,
}

/// The hub's end of a shard.
pub(crate) struct Shard {
    id: u64,
    batches: mpsc::UnboundedSender<Batch>,
}

/// Connections a group scans before it keeps an index of their positions.
const INDEX_FROM: usize = 16;

/// The subscribers of one channel on one shard (`None`: served by the dispatcher).
struct Group {
    shard: Option<Arc<Shard>>,
    connections: Vec<(u64, Arc<Outbox>)>,
    /// Each connection's position in `connections`, once the group is large
    /// enough that scanning it on every (un)subscribe would cost more: a
    /// topic with 10,000 subscribers would otherwise take 50 M comparisons
    /// to fill, under the lock that dispatch waits for.
    positions: Option<HashMap<u64, usize>>,
}

impl Group {
    fn new(shard: Option<Arc<Shard>>) -> Self {
        Self {
            shard,
            connections: Vec::new(),
            positions: None,
        }
    }

    fn shard_id(&self) -> Option<u64> {
        self.shard.as_ref().map(|s| s.id)
    }

    fn position(&self, connection: u64) -> Option<usize> {
        match &self.positions {
            Some(positions) => positions.get(&connection).copied(),
            None => self
                .connections
                .iter()
                .position(|(id, _)| *id == connection),
        }
    }

    fn contains(&self, connection: u64) -> bool {
        self.position(connection).is_some()
    }

    fn insert(&mut self, connection: u64, outbox: Arc<Outbox>) {
        self.connections.push((connection, outbox));
        let last = self.connections.len() - 1;
        match &mut self.positions {
            Some(positions) => {
                positions.insert(connection, last);
            }
            None if self.connections.len() > INDEX_FROM => {
                let positions = self.connections.iter().enumerate();
                self.positions = Some(positions.map(|(at, (id, _))| (*id, at)).collect());
            }
            None => {}
        }
    }

    /// Removes `connection` (the last connection takes its place); false
    /// when it was not there.
    fn remove(&mut self, connection: u64) -> bool {
        let Some(at) = self.position(connection) else {
            return false;
        };
        self.connections.swap_remove(at);
        if let Some(positions) = &mut self.positions {
            positions.remove(&connection);
            if let Some((moved, _)) = self.connections.get(at) {
                positions.insert(*moved, at);
            }
        }
        true
    }

    fn push(&self, channel: &Channel, delivery: &Delivery) {
        for (connection, outbox) in &self.connections {
            if outbox.push(delivery.clone()) == Pushed::Overflowed {
                // Counted now: the socket closes when its peer next reads,
                // which a peer that stopped reading may never do.
                metrics::counter!("websocket_slow_consumers_total").increment(1);
                tracing::info!(connection, %channel, "realtime subscriber fell behind: disconnecting it");
            }
        }
    }
}

struct Subscribers {
    /// The last sequence number dispatched here (0: none yet).
    last_seq: AtomicU64,
    groups: Vec<Group>,
}

impl Subscribers {
    fn count(&self) -> usize {
        self.groups.iter().map(|g| g.connections.len()).sum()
    }
}

#[derive(Default)]
pub(crate) struct Registry {
    channels: RwLock<HashMap<Channel, Subscribers>>,
    /// Subscriptions over all channels (updated under the `channels` write lock).
    subscriptions: AtomicUsize,
    spawn_local: std::sync::OnceLock<SpawnLocal>,
    /// Each thread's shard, or `None` where a shard cannot run.
    shards: Mutex<HashMap<ThreadId, Option<Arc<Shard>>>>,
    next_shard: AtomicU64,
}

impl Registry {
    fn read(&self) -> RwLockReadGuard<'_, HashMap<Channel, Subscribers>> {
        self.channels.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, HashMap<Channel, Subscribers>> {
        self.channels
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Lets connections be served by a shard on their own thread (set once).
    pub(crate) fn spawn_shards_with(&self, spawn: SpawnLocal) {
        let _ = self.spawn_local.set(spawn);
    }

    /// The calling thread's shard, started on first use; `None` without a
    /// [`SpawnLocal`] or where it cannot run a task.
    pub(crate) fn shard_of_this_thread(self: &Arc<Self>) -> Option<Arc<Shard>> {
        let spawn = self.spawn_local.get()?;
        let thread = std::thread::current().id();
        let mut shards = self.shards.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(shard) = shards.get(&thread) {
            return shard.clone();
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let id = self.next_shard.fetch_add(1, Ordering::Relaxed);
        let task = Box::pin(run_shard(Arc::downgrade(self), id, rx));
        let shard = spawn(task)
            .ok()
            .map(|()| Arc::new(Shard { id, batches: tx }));
        if shard.is_some() {
            metrics::counter!("realtime_shards_started_total").increment(1);
        }
        shards.insert(thread, shard.clone());
        shard
    }

    /// Adds a subscriber; true when it was not subscribed yet.
    pub(crate) fn register(
        &self,
        channel: Channel,
        connection: u64,
        outbox: &Arc<Outbox>,
        shard: Option<&Arc<Shard>>,
    ) -> bool {
        let mut channels = self.write();
        let subscribers = channels.entry(channel).or_insert_with(|| Subscribers {
            last_seq: AtomicU64::new(0),
            groups: Vec::new(),
        });
        if subscribers.groups.iter().any(|g| g.contains(connection)) {
            return false;
        }
        let shard_id = shard.map(|s| s.id);
        let index = match subscribers
            .groups
            .iter()
            .position(|g| g.shard_id() == shard_id)
        {
            Some(index) => index,
            None => {
                subscribers.groups.push(Group::new(shard.cloned()));
                subscribers.groups.len() - 1
            }
        };
        subscribers.groups[index].insert(connection, outbox.clone());
        self.subscriptions.fetch_add(1, Ordering::Relaxed);
        true
    }

    pub(crate) fn unregister(&self, channel: &Channel, connection: u64) {
        let mut channels = self.write();
        if let Some(subscribers) = channels.get_mut(channel) {
            for group in &mut subscribers.groups {
                if group.remove(connection) {
                    self.subscriptions.fetch_sub(1, Ordering::Relaxed);
                }
            }
            subscribers.groups.retain(|g| !g.connections.is_empty());
            if subscribers.groups.is_empty() {
                channels.remove(channel);
            }
        }
    }

    /// Channels with at least one local subscriber, and subscriptions over
    /// all of them.
    pub(crate) fn sizes(&self) -> (usize, usize) {
        let channels = self.read();
        (channels.len(), self.subscriptions.load(Ordering::Relaxed))
    }

    pub(crate) fn count(&self, channel: &Channel) -> usize {
        self.read().get(channel).map_or(0, Subscribers::count)
    }

    /// The last dispatched sequence number, if the channel has local subscribers.
    pub(crate) fn last_seq(&self, channel: &Channel) -> Option<u64> {
        self.read()
            .get(channel)
            .map(|s| s.last_seq.load(Ordering::Acquire))
    }

    pub(crate) fn snapshot(&self) -> Vec<(Channel, u64)> {
        self.read()
            .iter()
            .map(|(c, s)| (*c, s.last_seq.load(Ordering::Acquire)))
            .collect()
    }

    /// Queues `delivery` for every subscriber of `channel` (through their
    /// shards, once per shard); with `seq`, records it as the last dispatched
    /// sequence number.
    pub(crate) fn dispatch(&self, channel: &Channel, delivery: Delivery, seq: Option<u64>) {
        let channels = self.read();
        let Some(subscribers) = channels.get(channel) else {
            return;
        };
        if let Some(seq) = seq {
            subscribers.last_seq.store(seq, Ordering::Release);
        }
        for group in &subscribers.groups {
            let Some(shard) = &group.shard else {
                group.push(channel, &delivery);
                continue;
            };
            let batch = Batch {
                channel: *channel,
                delivery: delivery.clone(),
            };
            if shard.batches.send(batch).is_err() {
                // The shard's thread has stopped, and its connections with it.
                tracing::debug!(%channel, shard = shard.id, "realtime shard gone");
            }
        }
    }

    /// Queues a batch for the connections of one shard (on the shard's thread).
    fn dispatch_shard(&self, shard: u64, batch: &Batch) {
        let channels = self.read();
        let group = channels
            .get(&batch.channel)
            .and_then(|s| s.groups.iter().find(|g| g.shard_id() == Some(shard)));
        if let Some(group) = group {
            group.push(&batch.channel, &batch.delivery);
        }
    }
}

/// A shard's task: queues each batch for the connections of its thread.
async fn run_shard(registry: Weak<Registry>, id: u64, mut batches: mpsc::UnboundedReceiver<Batch>) {
    while let Some(batch) = batches.recv().await {
        let Some(registry) = registry.upgrade() else {
            return;
        };
        registry.dispatch_shard(id, &batch);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(group: &Group) -> Vec<u64> {
        let mut ids: Vec<u64> = group.connections.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids
    }

    /// Every position the index holds is where its connection is.
    fn assert_index_consistent(group: &Group) {
        for (at, (id, _)) in group.connections.iter().enumerate() {
            assert_eq!(group.position(*id), Some(at), "connection {id}");
        }
        if let Some(positions) = &group.positions {
            assert_eq!(positions.len(), group.connections.len());
        }
    }

    #[test]
    fn a_group_finds_and_removes_connections_below_and_above_the_index_size() {
        let outbox = Arc::new(Outbox::new(8));
        let mut group = Group::new(None);
        for id in 0..(INDEX_FROM as u64 * 3) {
            group.insert(id, outbox.clone());
            assert_index_consistent(&group);
            assert_eq!(
                group.positions.is_some(),
                group.connections.len() > INDEX_FROM
            );
        }
        // Remove the first, a middle one, the last and one never added.
        for id in [0, 20, INDEX_FROM as u64 * 3 - 1, 1_000] {
            group.remove(id);
            assert!(!group.contains(id));
            assert_index_consistent(&group);
        }
        let expected: Vec<u64> = (1..INDEX_FROM as u64 * 3 - 1)
            .filter(|id| *id != 20)
            .collect();
        assert_eq!(ids(&group), expected);
        for id in expected {
            group.remove(id);
            assert_index_consistent(&group);
        }
        assert!(group.connections.is_empty());
    }

    #[test]
    fn registering_twice_is_refused_and_unregistering_forgets_the_channel() {
        let registry = Registry::default();
        let channel = Channel::Topic(p2p_kernel::ids::TopicId(uuid::Uuid::from_u128(1)));
        let outbox = Arc::new(Outbox::new(8));
        for id in 0..100 {
            assert!(registry.register(channel, id, &outbox, None));
        }
        assert!(!registry.register(channel, 42, &outbox, None));
        assert_eq!(registry.count(&channel), 100);
        assert_eq!(registry.sizes(), (1, 100));
        for id in (0..100).rev() {
            registry.unregister(&channel, id);
            registry.unregister(&channel, id);
        }
        assert_eq!(registry.count(&channel), 0);
        assert_eq!(registry.sizes(), (0, 0));
        assert!(registry.snapshot().is_empty());
    }
}
