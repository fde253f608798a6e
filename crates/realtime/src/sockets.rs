//! How many sockets each user holds open on this instance, bounded.

use p2p_kernel::Code;
use p2p_kernel::ids::UserId;
use p2p_kernel::{DomainError, ErrorKind};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Seconds a refused client is told to wait (until one of its sockets closes).
const RETRY_AFTER_SECS: u64 = 10;

/// Open sockets per user on this instance; a user at the cap is refused.
pub(crate) struct SocketCounts {
    max_per_user: usize,
    open: Mutex<HashMap<UserId, usize>>,
}

/// One admitted socket: its place is given back when dropped (or by the
/// connection it is handed to, see [`SocketPermit::into_counts`]).
pub(crate) struct SocketPermit {
    counts: Option<Arc<SocketCounts>>,
    user: UserId,
}

impl SocketCounts {
    pub(crate) fn new(max_per_user: usize) -> Arc<Self> {
        Arc::new(Self {
            max_per_user: max_per_user.max(1),
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A place for one more socket of `user`, or 429 `too_many_sockets`.
    pub(crate) fn admit(self: &Arc<Self>, user: UserId) -> Result<SocketPermit, DomainError> {
        // Every update is one step on a map, consistent across a panic.
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(user).or_insert(0);
        if *count >= self.max_per_user {
            metrics::counter!("websocket_limited_total", "limit" => "sockets_per_user")
                .increment(1);
            return Err(DomainError::new(
                ErrorKind::RateLimited,
                Code::TooManySockets,
                format!(
                    "at most {} open WebSockets per user: close one (a client needs one /ws socket)",
                    self.max_per_user
                ),
            )
            .with_retry_after(RETRY_AFTER_SECS));
        }
        *count += 1;
        Ok(SocketPermit {
            counts: Some(self.clone()),
            user,
        })
    }

    /// Gives back one place of `user`.
    pub(crate) fn release(&self, user: UserId) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&user) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&user);
            }
        }
    }
}

impl SocketPermit {
    /// Hands the place to a holder that knows the user and calls
    /// [`SocketCounts::release`] itself when it ends (a connection: it keeps
    /// the caller's id anyway, so it does not pay for a second copy).
    pub(crate) fn into_counts(mut self) -> Option<Arc<SocketCounts>> {
        self.counts.take()
    }
}

impl Drop for SocketPermit {
    fn drop(&mut self) {
        if let Some(counts) = self.counts.take() {
            counts.release(self.user);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p2p_kernel::ErrorCode;

    fn held(counts: &SocketCounts, user: UserId) -> usize {
        counts
            .open
            .lock()
            .map_or(0, |m| m.get(&user).copied().unwrap_or(0))
    }

    #[test]
    fn admits_up_to_the_cap_per_user_and_frees_on_drop() {
        let counts = SocketCounts::new(2);
        let (me, other) = (UserId::new(), UserId::new());
        let first = counts.admit(me);
        let second = counts.admit(me);
        assert!(first.is_ok() && second.is_ok());
        let refused = counts.admit(me).err();
        assert_eq!(
            refused.as_ref().map(|e| e.code()),
            Some(Code::TooManySockets)
        );
        assert_eq!(
            refused.and_then(|e| e.retry_after_secs()),
            Some(RETRY_AFTER_SECS)
        );
        assert!(
            counts.admit(other).is_ok(),
            "another user has its own places"
        );
        // A permit handed over is released by its new holder.
        let handed = counts.admit(other).ok().and_then(SocketPermit::into_counts);
        assert_eq!(held(&counts, other), 1);
        if let Some(counts) = handed {
            counts.release(other);
        }
        assert_eq!(held(&counts, other), 0);
        drop(first);
        assert_eq!(held(&counts, me), 1);
        let third = counts.admit(me);
        assert!(third.is_ok());
        drop((second, third));
        assert_eq!(held(&counts, me), 0);
        assert!(
            counts.open.lock().map(|m| m.is_empty()).unwrap_or(false),
            "no entry left"
        );
    }
}
