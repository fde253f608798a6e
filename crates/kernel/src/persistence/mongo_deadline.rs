//! Deadlines of MongoDB operations. The driver bounds finding a server
//! (`serverSelectionTimeout`) but not an operation on an open connection to
//! a server that stopped answering (it has no socket timeout): each call goes
//! through [`MongoDeadline`], which answers 503 (`unavailable`) when the
//! server does not answer in time, and then fails further calls at once for
//! a short while ([`Breaker`]) so a request meets at most one timeout.

use super::mongo_error;
use crate::breaker::Breaker;
use crate::error::{DomainError, ErrorKind};
use std::future::{Future, IntoFuture};
use std::sync::Arc;
use std::time::Duration;

const BACKEND: &str = "mongodb";

/// How long one MongoDB operation may take, and the breaker it opens.
/// Cheap to clone; clones share the breaker.
#[derive(Clone, Debug)]
pub struct MongoDeadline {
    timeout: Duration,
    breaker: Arc<Breaker>,
}

impl Default for MongoDeadline {
    /// 5 s per operation, then 2 s of failing at once.
    fn default() -> Self {
        Self::new(Duration::from_secs(5), Duration::from_secs(2))
    }
}

impl MongoDeadline {
    /// Operations bounded by `timeout`; after one found the server
    /// unreachable, every operation fails at once for `breaker` (zero: never).
    pub fn new(timeout: Duration, breaker: Duration) -> Self {
        Self {
            timeout,
            breaker: Arc::new(Breaker::new(BACKEND, breaker)),
        }
    }

    /// Runs `op` within the deadline; errors mapped with [`mongo_error`].
    pub async fn run<T>(
        &self,
        op: impl IntoFuture<Output = mongodb::error::Result<T>>,
    ) -> Result<T, DomainError> {
        if self.breaker.is_open() {
            return Err(DomainError::unavailable(
                BACKEND,
                "not answering (failing fast after a recent failure)",
            ));
        }
        match tokio::time::timeout(self.timeout, op.into_future()).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => {
                let e = mongo_error(e);
                if e.kind_of() == ErrorKind::Unavailable {
                    self.breaker.trip();
                }
                Err(e)
            }
            Err(_) => {
                self.breaker.trip();
                Err(DomainError::unavailable(
                    BACKEND,
                    format!("no answer within {} ms", self.timeout.as_millis()),
                ))
            }
        }
    }
}

/// `op.within(&deadline)`: [`MongoDeadline::run`] as a method of any MongoDB
/// operation (an action, a cursor's `try_next()`…).
pub trait WithinDeadline<T>: IntoFuture<Output = mongodb::error::Result<T>> + Sized {
    fn within(
        self,
        deadline: &MongoDeadline,
    ) -> impl Future<Output = Result<T, DomainError>> + Send;
}

impl<F, T> WithinDeadline<T> for F
where
    F: IntoFuture<Output = mongodb::error::Result<T>> + Send,
    F::IntoFuture: Send,
    T: Send,
{
    fn within(
        self,
        deadline: &MongoDeadline,
    ) -> impl Future<Output = Result<T, DomainError>> + Send {
        let deadline = deadline.clone();
        async move { deadline.run(self).await }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kind of the error `run` gave, if any.
    async fn failure(
        deadline: &MongoDeadline,
        answer: mongodb::error::Result<u32>,
    ) -> Option<ErrorKind> {
        deadline
            .run(async { answer })
            .await
            .err()
            .map(|e| e.kind_of())
    }

    #[tokio::test]
    async fn a_hung_operation_is_unavailable_and_the_next_fails_at_once() {
        let deadline = MongoDeadline::new(Duration::from_millis(10), Duration::from_secs(60));
        let hung = std::future::pending::<mongodb::error::Result<u32>>();
        let kind = deadline.run(hung).await.err().map(|e| e.kind_of());
        assert_eq!(kind, Some(ErrorKind::Unavailable));
        // Would answer at once, but the server was just found hung.
        assert_eq!(
            failure(&deadline, Ok(1)).await,
            Some(ErrorKind::Unavailable)
        );
    }

    #[tokio::test]
    async fn answers_and_other_failures_pass_through_without_opening_the_breaker() {
        let deadline = MongoDeadline::new(Duration::from_secs(60), Duration::from_secs(60));
        assert_eq!(failure(&deadline, Ok(7)).await, None);
        let refused = mongodb::error::Error::from(std::io::Error::other("refused"));
        assert_eq!(
            failure(&deadline, Err(refused)).await,
            Some(ErrorKind::Unavailable),
            "an I/O error is unavailable"
        );
        assert_eq!(
            failure(&deadline, Ok(1)).await,
            Some(ErrorKind::Unavailable),
            "and opens the breaker"
        );
        let fresh = MongoDeadline::new(Duration::from_secs(60), Duration::from_secs(60));
        let bad = mongodb::error::Error::custom("a bad query");
        assert_eq!(failure(&fresh, Err(bad)).await, Some(ErrorKind::Internal));
        assert_eq!(failure(&fresh, Ok(2)).await, None, "still closed");
    }
}
