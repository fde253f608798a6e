//! A connection's bounded queue of deliveries from the hub.
//!
//! The hub never waits on a connection: it pushes, and a connection whose
//! queue is full is marked overflowed (its queue is dropped) and disconnected
//! by its driver as a slow consumer.

use crate::channel::Channel;
use crate::replay::SequencedEvent;
use futures_util::task::AtomicWaker;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Poll;

/// What the hub hands to a connection.
#[derive(Clone, Debug)]
pub(crate) enum Delivery {
    /// An event of a channel the connection is subscribed to.
    Event(Arc<SequencedEvent>),
    /// Events of `channel` before `from_seq` could not be delivered: the
    /// connection tells its client to resync. With `reset`, the channel's
    /// sequence started over (its counter expired or was lost).
    Resync {
        channel: Channel,
        from_seq: u64,
        reset: bool,
    },
}

/// The outcome of [`Outbox::push`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Pushed {
    Queued,
    /// This push overflowed the queue: the connection is now a slow consumer.
    Overflowed,
    /// The connection had already overflowed.
    Dropped,
}

/// The consumer fell too far behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SlowConsumer;

/// Above this capacity, an emptied queue gives its memory back.
const KEEP_CAPACITY: usize = 16;

pub(crate) struct Outbox {
    capacity: usize,
    /// `websocket_queued_deliveries`: deliveries waiting in every queue.
    queued: metrics::Gauge,
    state: Mutex<State>,
    /// The one consumer's task, woken by each push (an atomic swap: no
    /// waiter list to lock, as a `Notify` has, on either side).
    consumer: AtomicWaker,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Delivery>,
    overflowed: bool,
}

impl Outbox {
    /// An empty queue holding at most `capacity` deliveries (it allocates as it fills).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            queued: metrics::gauge!("websocket_queued_deliveries"),
            state: Mutex::new(State::default()),
            consumer: AtomicWaker::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a delivery without waiting.
    pub(crate) fn push(&self, delivery: Delivery) -> Pushed {
        let mut state = self.lock();
        if state.overflowed {
            return Pushed::Dropped;
        }
        if state.queue.len() >= self.capacity {
            state.overflowed = true;
            let dropped = std::mem::take(&mut state.queue).len();
            drop(state);
            self.queued.decrement(dropped as f64);
            self.consumer.wake();
            return Pushed::Overflowed;
        }
        state.queue.push_back(delivery);
        drop(state);
        self.queued.increment(1.0);
        self.consumer.wake();
        Pushed::Queued
    }

    /// The next delivery, waiting for one; `Err` once the queue has overflowed.
    /// Cancel-safe: nothing is lost if the future is dropped. One consumer:
    /// a second task waiting at the same time could miss its wake-up.
    pub(crate) async fn recv(&self) -> Result<Delivery, SlowConsumer> {
        poll_fn(|cx| {
            if let Some(next) = self.try_recv() {
                return Poll::Ready(next);
            }
            // Registered before looking again: a push in between wakes it.
            self.consumer.register(cx.waker());
            self.try_recv().map_or(Poll::Pending, Poll::Ready)
        })
        .await
    }

    fn try_recv(&self) -> Option<Result<Delivery, SlowConsumer>> {
        let mut state = self.lock();
        if state.overflowed {
            return Some(Err(SlowConsumer));
        }
        let delivery = state.queue.pop_front()?;
        if state.queue.is_empty() && state.queue.capacity() > KEEP_CAPACITY {
            state.queue = VecDeque::new();
        }
        drop(state);
        self.queued.decrement(1.0);
        Some(Ok(delivery))
    }

    /// Whether the queue has overflowed.
    pub(crate) fn overflowed(&self) -> bool {
        self.lock().overflowed
    }

    /// Deliveries waiting.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().queue.len()
    }
}

impl Drop for Outbox {
    /// A closed connection's deliveries no longer wait.
    fn drop(&mut self) {
        let left = self.lock().queue.len();
        self.queued.decrement(left as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use p2p_kernel::ids::TopicId;

    fn event(seq: u64) -> Delivery {
        Delivery::Event(Arc::new(SequencedEvent {
            channel: Channel::topic(TopicId(uuid::Uuid::nil())),
            seq,
            frame: Bytes::new(),
        }))
    }

    fn seq_of(d: Result<Delivery, SlowConsumer>) -> Option<u64> {
        match d {
            Ok(Delivery::Event(e)) => Some(e.seq),
            _ => None,
        }
    }

    #[tokio::test]
    async fn delivers_in_order_and_overflows_once() {
        let outbox = Outbox::new(3);
        for seq in 1..=3 {
            assert_eq!(outbox.push(event(seq)), Pushed::Queued);
        }
        assert_eq!(seq_of(outbox.recv().await), Some(1));
        assert_eq!(outbox.push(event(4)), Pushed::Queued);
        assert_eq!(outbox.push(event(5)), Pushed::Overflowed);
        assert_eq!(outbox.push(event(6)), Pushed::Dropped);
        assert!(outbox.overflowed());
        assert_eq!(outbox.len(), 0, "an overflowed queue frees its deliveries");
        assert!(matches!(outbox.recv().await, Err(SlowConsumer)));
    }

    #[tokio::test]
    async fn wakes_a_waiting_receiver() {
        let outbox = Arc::new(Outbox::new(4));
        let receiver = {
            let outbox = outbox.clone();
            tokio::spawn(async move { seq_of(outbox.recv().await) })
        };
        tokio::task::yield_now().await;
        outbox.push(event(7));
        let got = tokio::time::timeout(std::time::Duration::from_secs(2), receiver).await;
        assert!(matches!(got, Ok(Ok(Some(7)))));
    }
}
