//! The topics found to exist, remembered for a while: the `subscribe`s of a
//! busy topic (each of its readers arriving, or reconnecting after a restart)
//! then ask the forum once per topic and [`KNOWN_FOR`] instead of once per
//! socket, on the pool that serves the HTTP requests.
//!
//! Only existence is remembered. A topic not found is asked about again the
//! next time (it may have been created since). A topic deleted while
//! remembered can still be subscribed to for at most [`KNOWN_FOR`]: topics are
//! visible to every signed-in user, so that reveals nothing, and its channel
//! carries no further events.

use crate::auth::TopicLookup;
use async_trait::async_trait;
use p2p_kernel::DomainError;
use p2p_kernel::ids::TopicId;
use std::time::Duration;

/// How long a topic found to exist is taken to exist.
pub const KNOWN_FOR: Duration = Duration::from_secs(60);
/// Topics remembered at most (16 bytes each, plus the cache's own entry).
pub const MAX_KNOWN: u64 = 10_000;

/// A [`TopicLookup`] that remembers which topics exist (bounded, expiring).
pub struct KnownTopics<T> {
    topics: T,
    known: moka::future::Cache<TopicId, ()>,
}

impl<T: TopicLookup> KnownTopics<T> {
    /// Asks `topics` about the topics not remembered.
    pub fn new(topics: T) -> Self {
        Self {
            topics,
            known: moka::future::Cache::builder()
                .max_capacity(MAX_KNOWN)
                .time_to_live(KNOWN_FOR)
                .build(),
        }
    }
}

#[async_trait]
impl<T: TopicLookup> TopicLookup for KnownTopics<T> {
    async fn topic_exists(&self, topic: TopicId) -> Result<bool, DomainError> {
        if self.known.contains_key(&topic) {
            return Ok(true);
        }
        let exists = self.topics.topic_exists(topic).await?;
        if exists {
            self.known.insert(topic, ()).await;
        }
        Ok(exists)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Mutex, PoisonError};

    /// The forum's topics, counting the questions asked.
    #[derive(Default)]
    struct Forum {
        topics: Mutex<HashSet<TopicId>>,
        asked: AtomicUsize,
    }

    #[async_trait]
    impl TopicLookup for std::sync::Arc<Forum> {
        async fn topic_exists(&self, topic: TopicId) -> Result<bool, DomainError> {
            self.asked.fetch_add(1, Ordering::Relaxed);
            let topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
            Ok(topics.contains(&topic))
        }
    }

    #[tokio::test]
    async fn asks_once_about_a_topic_that_exists_and_each_time_about_one_that_does_not()
    -> Result<(), DomainError> {
        let forum = std::sync::Arc::new(Forum::default());
        let known = KnownTopics::new(forum.clone());
        let topic = TopicId::new();
        assert!(!known.topic_exists(topic).await?);
        assert!(!known.topic_exists(topic).await?);
        assert_eq!(
            forum.asked.load(Ordering::Relaxed),
            2,
            "a miss is not remembered"
        );
        (forum.topics.lock().unwrap_or_else(PoisonError::into_inner)).insert(topic);
        for _ in 0..5 {
            assert!(known.topic_exists(topic).await?);
        }
        assert_eq!(
            forum.asked.load(Ordering::Relaxed),
            3,
            "found once, then remembered"
        );
        Ok(())
    }
}
