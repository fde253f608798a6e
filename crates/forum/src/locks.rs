//! Serializing the writes of one topic.
//!
//! A write that changes a topic's posts (and so its counts), flags or best
//! answer holds the topic's lock from its first read to its commit:
//! in-process through a striped mutex, across server instances through the
//! topic row's `SELECT … FOR UPDATE` on PostgreSQL (an SQLite database has a
//! single server instance). The counts are recomputed from the post store
//! inside the lock, so the last writer always writes the true values.

use p2p_kernel::ids::TopicId;
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

const STRIPES: usize = 64;

#[derive(Clone)]
pub(crate) struct TopicLocks {
    stripes: Arc<Vec<Arc<Mutex<()>>>>,
}

impl Default for TopicLocks {
    fn default() -> Self {
        Self {
            stripes: Arc::new((0..STRIPES).map(|_| Arc::new(Mutex::new(()))).collect()),
        }
    }
}

impl TopicLocks {
    pub(crate) async fn lock(&self, topic: TopicId) -> OwnedMutexGuard<()> {
        let index = (topic.0.as_u128() % self.stripes.len() as u128) as usize;
        self.stripes[index].clone().lock_owned().await
    }
}
