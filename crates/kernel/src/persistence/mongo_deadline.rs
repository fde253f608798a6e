//! Deadlines of MongoDB operations. The driver bounds finding a server
//! (`serverSelectionTimeout`) but not an operation on an open connection to
//! a server that stopped answering (it has no socket timeout): each call goes
//! through [`MongoDeadline`], which answers 503 (`unavailable`) when the
//! server does not answer in time, and then fails further calls at once until
//! a single trial (or the readiness probe) finds it answering ([`Breaker`]).

use super::mongo_error;
use crate::breaker::{Breaker, Pass};
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
    /// [`Self::DEFAULT_TIMEOUT`] per operation, [`Self::DEFAULT_BREAKER`] of
    /// failing at once.
    fn default() -> Self {
        Self::new(Self::DEFAULT_TIMEOUT, Self::DEFAULT_BREAKER)
    }
}

impl MongoDeadline {
    /// The default deadline of one operation (the server's configuration
    /// starts from it). A MongoDB-compatible server under load took over 5 s
    /// on a sorted list of 2,500 use cases; a hung one is still answered 503
    /// within 10 s.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(8);
    /// The default pause of the breaker before a trial.
    pub const DEFAULT_BREAKER: Duration = Duration::from_secs(2);

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
        self.run_with(self.breaker.admit(), op).await
    }

    /// Runs the readiness probe's `op`: while MongoDB counts as down, it is
    /// the breaker's trial (see [`Breaker::admit_probe`]), so the breaker
    /// closes as soon as MongoDB answers it.
    pub async fn probe<T>(
        &self,
        op: impl IntoFuture<Output = mongodb::error::Result<T>>,
    ) -> Result<T, DomainError> {
        self.run_with(self.breaker.admit_probe(), op).await
    }

    async fn run_with<T>(
        &self,
        pass: Option<Pass>,
        op: impl IntoFuture<Output = mongodb::error::Result<T>>,
    ) -> Result<T, DomainError> {
        let Some(pass) = pass else {
            return Err(DomainError::unavailable(
                BACKEND,
                "not answering (failing fast after a recent failure)",
            ));
        };
        match tokio::time::timeout(self.timeout, op.into_future()).await {
            Ok(Ok(value)) => {
                pass.answered();
                Ok(value)
            }
            Ok(Err(e)) => {
                let e = mongo_error(e);
                if e.kind_of() == ErrorKind::Unavailable {
                    pass.unreachable();
                } else {
                    pass.answered();
                }
                Err(e)
            }
            Err(_) => {
                pass.unreachable();
                // The driver reports no end for an operation given up on.
                crate::round_trips::observe_call(BACKEND, "deadline", self.timeout, true);
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
        assert_eq!(
            deadline.probe(async { Ok(3) }).await.ok(),
            Some(3),
            "the probe is the trial"
        );
        assert_eq!(failure(&deadline, Ok(4)).await, None, "and closed it");
        let fresh = MongoDeadline::new(Duration::from_secs(60), Duration::from_secs(60));
        let bad = mongodb::error::Error::custom("a bad query");
        assert_eq!(failure(&fresh, Err(bad)).await, Some(ErrorKind::Internal));
        assert_eq!(failure(&fresh, Ok(2)).await, None, "still closed");
    }
}
