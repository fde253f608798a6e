//! The shared services of the bench machine (the MongoDB-compatible server
//! above all) sometimes stall under load: a driver answers `Unavailable`, or
//! reports a write that went through as failed (its retry then hits a
//! duplicate key). Setup steps retry a few times instead of failing the run.

use p2p_kernel::DomainError;
use std::time::Duration;

const ATTEMPTS: usize = 5;
const PAUSE: Duration = Duration::from_millis(500);

/// Runs `op` until it succeeds; returns the value and how many attempts
/// failed. Panics when every attempt failed.
pub async fn attempts<T, F, Fut>(what: &str, mut op: F) -> (T, usize)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, DomainError>>,
{
    for attempt in 1..=ATTEMPTS {
        match op().await {
            Ok(value) => return (value, attempt - 1),
            Err(e) if attempt < ATTEMPTS => {
                eprintln!("{what}: {e} (attempt {attempt}/{ATTEMPTS}), retrying");
                tokio::time::sleep(PAUSE).await;
            }
            Err(e) => panic!("{what}: {e:?}"),
        }
    }
    unreachable!("the last attempt returns or panics")
}
