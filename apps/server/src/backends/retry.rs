//! Connecting at startup: retry with exponential backoff, then a clear error.

use std::future::Future;
use std::time::Duration;

/// How hard to try before giving up on a backend at startup.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 6,
            first_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(4),
        }
    }
}

/// A backend could not be reached at startup.
#[derive(Debug, thiserror::Error)]
#[error("could not connect to {backend} after {attempts} attempts: {last_error}")]
pub struct ConnectError {
    pub backend: &'static str,
    pub attempts: u32,
    pub last_error: String,
}

pub async fn with_retry<T, E, F, Fut>(
    backend: &'static str,
    policy: RetryPolicy,
    mut connect: F,
) -> Result<T, ConnectError>
where
    E: std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut delay = policy.first_delay;
    let mut attempt = 1;
    loop {
        match connect().await {
            Ok(v) => return Ok(v),
            Err(e) if attempt >= policy.attempts => {
                return Err(ConnectError {
                    backend,
                    attempts: attempt,
                    last_error: e.to_string(),
                });
            }
            Err(e) => {
                tracing::warn!(backend, attempt, error = %e, retry_in_ms = delay.as_millis() as u64, "backend not reachable yet");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(policy.max_delay);
                attempt += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn retries_then_succeeds_or_gives_up() {
        let policy = RetryPolicy {
            attempts: 3,
            first_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        };
        let calls = AtomicU32::new(0);
        let ok = with_retry("db", policy, || async {
            if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                Err("down")
            } else {
                Ok(7)
            }
        })
        .await;
        assert_eq!(ok.ok(), Some(7));

        let err = with_retry("redis", policy, || async { Err::<(), _>("refused") }).await;
        let msg = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("redis") && msg.contains("3 attempts") && msg.contains("refused"));
    }
}
