//! Publish/subscribe inside one process.

use crate::footprint::{Footprint, Size};
use crate::ports::{MessageStream, PortError, PubSub};
use async_trait::async_trait;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::broadcast;

/// Publish/subscribe inside one process.
pub struct MemoryPubSub {
    channels: Mutex<HashMap<String, broadcast::Sender<Vec<u8>>>>,
    capacity: usize,
}

impl MemoryPubSub {
    /// `capacity` messages may be buffered per slow subscriber before it skips ahead.
    pub fn new(capacity: usize) -> Self {
        Self {
            channels: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    fn sender(&self, channel: &str) -> Result<broadcast::Sender<Vec<u8>>, PortError> {
        let mut channels = self
            .channels
            .lock()
            .map_err(|_| PortError::new("pubsub", "lock poisoned"))?;
        channels.retain(|_, tx| tx.receiver_count() > 0);
        Ok(channels
            .entry(channel.to_owned())
            .or_insert_with(|| broadcast::channel(self.capacity).0)
            .clone())
    }
}

impl Default for MemoryPubSub {
    fn default() -> Self {
        Self::new(1024)
    }
}

#[async_trait]
impl PubSub for MemoryPubSub {
    async fn publish(&self, channel: &str, payload: &[u8]) -> Result<(), PortError> {
        let channels = self
            .channels
            .lock()
            .map_err(|_| PortError::new("pubsub", "lock poisoned"))?;
        if let Some(tx) = channels.get(channel) {
            // No receiver is not an error: nobody is listening.
            let _ = tx.send(payload.to_vec());
        }
        Ok(())
    }

    async fn subscribe(&self, channel: &str) -> Result<MessageStream, PortError> {
        let rx = self.sender(channel)?.subscribe();
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(msg) => return Some((msg, rx)),
                    Err(broadcast::error::RecvError::Lagged(skipped)) => {
                        tracing::warn!(skipped, "in-process pubsub subscriber lagged");
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        Ok(stream.boxed())
    }
}

impl Footprint for MemoryPubSub {
    /// `pubsub_channels`: channels with a sender (a channel whose last
    /// subscriber left is dropped on the next subscribe).
    fn footprint(&self) -> Vec<Size> {
        let channels = self.channels.lock().map_or(0, |c| c.len());
        vec![Size::count("pubsub_channels", channels)]
    }
}
