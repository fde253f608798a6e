//! How long the networked backends may take on the request path, so that a
//! hung backend (a frozen process, a network partition) is answered with 503
//! and `Retry-After` within a few seconds instead of holding requests.

use super::websocket::within;
use super::{Config, ConfigError};
use p2p_kernel::adapters::redis::RedisTimeouts;
use std::time::Duration;

/// The longest deadline a key accepts: one minute.
const MAX_MS: u64 = 60_000;

/// Connecting to the relational database, and taking a connection from its
/// pool (a statement itself has no deadline of its own: the request's bounds it).
pub const DATABASE_ACQUIRE: Duration = Duration::from_secs(3);

/// How much longer than the longest backend deadline a request's own work
/// may take by default: the backend's deadline fires first, so that its
/// circuit breaker sees the failure.
const REQUEST_MARGIN: Duration = Duration::from_secs(1);

/// Deadlines of the backend calls (`redis.timeout_ms`, `redis.breaker_ms`,
/// `mongodb.timeout_ms`, `mongodb.breaker_ms`, `s3.timeout_ms`) and of a
/// request's own work (`request_timeout_ms`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackendDeadlines {
    /// Each Redis operation, and how long Redis counts as down after one failed.
    pub redis: RedisTimeouts,
    /// Each MongoDB operation (a list read whole: the query and its results).
    pub mongodb: Duration,
    /// How long MongoDB counts as down after an operation found it unreachable.
    pub mongodb_breaker: Duration,
    /// Each S3 request (a download: until its first byte, then between chunks).
    pub s3: Duration,
    /// A request's own work, the arrival of its body excluded (`request_timeout_ms`):
    /// what bounds a call that has no deadline of its own, such as a statement sent to a
    /// PostgreSQL server that froze.
    pub request: Duration,
}

impl BackendDeadlines {
    pub(super) fn from_config(config: &Config) -> Result<Self, ConfigError> {
        let redis = RedisTimeouts {
            operation: millis("redis_timeout_ms", config.redis.timeout_ms)?,
            breaker: pause("redis_breaker_ms", config.redis.breaker_ms)?,
        };
        let mongodb = millis("mongodb_timeout_ms", config.mongodb.timeout_ms)?;
        let s3 = millis("s3_timeout_ms", config.s3.timeout_ms)?;
        let longest = [DATABASE_ACQUIRE, redis.operation, mongodb, s3]
            .into_iter()
            .max()
            .unwrap_or(DATABASE_ACQUIRE);
        let request = match config.request_timeout_ms {
            None => longest + REQUEST_MARGIN,
            Some(ms) => {
                let request = millis("request_timeout_ms", ms)?;
                if request <= longest {
                    return Err(ConfigError::new(
                        "request_timeout_ms",
                        format!(
                            "must be longer than the longest backend deadline ({} ms), which \
                             must fire first for its circuit breaker to see the failure",
                            longest.as_millis()
                        ),
                    ));
                }
                request
            }
        };
        Ok(Self {
            redis,
            mongodb,
            mongodb_breaker: pause("mongodb_breaker_ms", config.mongodb.breaker_ms)?,
            s3,
            request,
        })
    }
}

/// A deadline: 1 ms to a minute.
fn millis(field: &str, value: u64) -> Result<Duration, ConfigError> {
    within::<u64>(field, value, MAX_MS).map(Duration::from_millis)
}

/// A breaker's pause: 0 (none) to a minute.
fn pause(field: &str, value: u64) -> Result<Duration, ConfigError> {
    match value {
        0 => Ok(Duration::ZERO),
        _ => millis(field, value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        let defaults = BackendDeadlines::from_config(&Config::default());
        let Ok(defaults) = defaults else {
            panic!("the defaults are valid: {defaults:?}");
        };
        assert_eq!(defaults.redis, RedisTimeouts::default());
        assert_eq!(defaults.s3, Duration::from_secs(5));
        assert_eq!(
            (defaults.mongodb, defaults.mongodb_breaker),
            (Duration::from_secs(8), Duration::from_secs(2))
        );
        assert_eq!(
            defaults.request,
            Duration::from_secs(9),
            "MongoDB's 8 s and a second"
        );
        let mut config = Config::default();
        config.mongodb.timeout_ms = 20_000;
        let request = BackendDeadlines::from_config(&config).map(|d| d.request);
        assert_eq!(request, Ok(Duration::from_secs(21)), "follows the longest");
        config.request_timeout_ms = Some(30_000);
        let request = BackendDeadlines::from_config(&config).map(|d| d.request);
        assert_eq!(request, Ok(Duration::from_secs(30)));
        config.request_timeout_ms = Some(20_000);
        let error = BackendDeadlines::from_config(&config).map_err(|e| e.key);
        assert_eq!(
            error,
            Err("P2P_REQUEST_TIMEOUT_MS".to_owned()),
            "not longer than MongoDB's"
        );
        let mut config = Config::default();
        config.redis.breaker_ms = 0;
        let never = BackendDeadlines::from_config(&config).map(|d| d.redis.breaker);
        assert_eq!(never, Ok(Duration::ZERO), "0 turns the breaker off");
        for (key, set) in [
            (
                "P2P_REDIS_TIMEOUT_MS",
                (|c: &mut Config| c.redis.timeout_ms = 0) as fn(&mut Config),
            ),
            ("P2P_REDIS_BREAKER_MS", |c| c.redis.breaker_ms = MAX_MS + 1),
            ("P2P_S3_TIMEOUT_MS", |c| c.s3.timeout_ms = MAX_MS + 1),
            ("P2P_MONGODB_TIMEOUT_MS", |c| c.mongodb.timeout_ms = 0),
            ("P2P_MONGODB_BREAKER_MS", |c| {
                c.mongodb.breaker_ms = MAX_MS + 1
            }),
        ] {
            let mut config = Config::default();
            set(&mut config);
            // Errors name the environment variable.
            let error = BackendDeadlines::from_config(&config).map_err(|e| e.key);
            assert_eq!(error, Err(key.to_owned()));
        }
    }
}
