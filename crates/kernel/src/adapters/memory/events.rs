//! The in-process event bus and a notifier that records what it is asked.

use crate::event::Event;
use crate::ports::EventBus;
use async_trait::async_trait;
use std::sync::Mutex;
use tokio::sync::broadcast;

/// An in-process event bus: every subscriber gets every event.
pub struct BroadcastEventBus {
    tx: broadcast::Sender<Event>,
}

impl BroadcastEventBus {
    pub fn new(capacity: usize) -> Self {
        Self {
            tx: broadcast::channel(capacity).0,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.tx.subscribe()
    }
}

impl Default for BroadcastEventBus {
    fn default() -> Self {
        Self::new(4096)
    }
}

#[async_trait]
impl EventBus for BroadcastEventBus {
    /// Never fails: an event nobody listens to is not an error.
    async fn publish(&self, event: Event) -> Result<(), crate::ports::PortError> {
        let _ = self.tx.send(event);
        Ok(())
    }
}

/// Keeps the notification requests it receives: for services whose tests
/// check what they asked to notify, and for tools that run without the
/// notifications domain.
#[derive(Default)]
pub struct RecordingNotifier {
    requests: Mutex<Vec<crate::ports::NotificationRequest>>,
}

impl RecordingNotifier {
    /// Everything received so far, oldest first, emptying the record.
    pub fn take(&self) -> Vec<crate::ports::NotificationRequest> {
        match self.requests.lock() {
            Ok(mut guard) => std::mem::take(&mut *guard),
            Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
        }
    }
}

#[async_trait]
impl crate::ports::Notifier for RecordingNotifier {
    async fn notify(&self, requests: Vec<crate::ports::NotificationRequest>) {
        match self.requests.lock() {
            Ok(mut guard) => guard.extend(requests),
            Err(poisoned) => poisoned.into_inner().extend(requests),
        }
    }
}
