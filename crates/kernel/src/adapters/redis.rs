//! Redis adapters: cache, rate limiter, pub/sub and health probe, sharing one
//! connection pool. Every key is namespaced by a prefix so that deployments
//! (and tests) can share a server.

use crate::breaker::{Breaker, Pass};
use crate::footprint::{Footprint, Size};
use crate::ports::{
    Cache, HealthProbe, MessageStream, PortError, PubSub, RateDecision, RateLimiter,
};
use crate::round_trips::RoundTrips;
use async_trait::async_trait;
use deadpool_redis::redis::{self, AsyncCommands, AsyncConnectionConfig};
use deadpool_redis::{Manager, Pool, Runtime, Timeouts};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;

mod counted;
mod subscription;
pub use counted::CountedConnection;
pub use subscription::{Delivery, lasting_subscription};

const BACKEND: &str = "redis";

fn port_err(e: impl std::fmt::Display) -> PortError {
    PortError::new(BACKEND, e)
}

/// How long Redis may take, and how long it counts as down after it did not answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RedisTimeouts {
    /// A single operation, and waiting for or opening a pooled connection.
    pub operation: Duration,
    /// After an operation failed for want of Redis (a timeout, a refused or
    /// dropped connection), every operation fails at once for this long, then
    /// one trial goes through ([`Breaker`]). Zero: never.
    pub breaker: Duration,
}

impl RedisTimeouts {
    /// The defaults (the server's configuration starts from them): 2 s per
    /// operation, 2 s of failing at once before a trial.
    pub const DEFAULT: Self = Self {
        operation: Duration::from_secs(2),
        breaker: Duration::from_secs(2),
    };
}

impl Default for RedisTimeouts {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A Redis connection: the pool for commands, the client for subscriptions.
#[derive(Clone)]
pub struct RedisConnection {
    pool: Pool,
    client: redis::Client,
    prefix: String,
    trips: RoundTrips,
    breaker: Arc<Breaker>,
    /// The deadline of one operation, and of taking a pooled connection.
    operation: Duration,
}

impl RedisConnection {
    /// Builds the pool with the default [`RedisTimeouts`] (connections are
    /// opened lazily; call [`Self::ping`] to check).
    pub fn new(url: &str, prefix: &str, max_connections: usize) -> Result<Self, PortError> {
        Self::with_timeouts(url, prefix, max_connections, RedisTimeouts::default())
    }

    /// Builds the pool with `timeouts`.
    pub fn with_timeouts(
        url: &str,
        prefix: &str,
        max_connections: usize,
        timeouts: RedisTimeouts,
    ) -> Result<Self, PortError> {
        let operation = timeouts.operation;
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(operation))
            .set_response_timeout(Some(operation));
        let manager = Manager::new_with_config(url, config).map_err(port_err)?;
        let pool = Pool::builder(manager)
            .max_size(max_connections)
            .timeouts(Timeouts {
                wait: Some(operation),
                create: Some(operation),
                recycle: Some(operation),
            })
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(port_err)?;
        let client = redis::Client::open(url).map_err(port_err)?;
        Ok(Self {
            pool,
            client,
            prefix: prefix.to_owned(),
            trips: RoundTrips::default(),
            breaker: Arc::new(Breaker::new(BACKEND, timeouts.breaker)),
            operation,
        })
    }

    /// Counts the commands sent through this connection (and its clones made
    /// afterwards) in `trips`.
    pub fn with_round_trips(mut self, trips: RoundTrips) -> Self {
        self.trips = trips;
        self
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    /// The full key for `key` under this connection's prefix.
    pub fn key(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key)
    }

    /// A connection of the pool (each command through it is counted). Fails
    /// at once while Redis counts as down (see [`RedisTimeouts::breaker`]).
    pub async fn conn(&self) -> Result<CountedConnection, PortError> {
        self.conn_with(self.breaker.admit()).await
    }

    async fn conn_with(&self, pass: Option<Pass>) -> Result<CountedConnection, PortError> {
        let pass =
            pass.ok_or_else(|| port_err("not answering (failing fast after a recent failure)"))?;
        // The pool's own timeouts bound each step, but taking a connection
        // recycles idle ones in turn, each within the timeout: on a frozen
        // Redis one `get` took 12 s. The whole of it gets the one deadline.
        match tokio::time::timeout(self.operation, self.pool.get()).await {
            Ok(Ok(conn)) => Ok(CountedConnection::new(conn, self.trips.clone(), pass)),
            Ok(Err(e)) => {
                pass.unreachable();
                Err(port_err(e))
            }
            Err(_) => {
                pass.unreachable();
                Err(port_err(format!(
                    "no connection within {} ms",
                    self.operation.as_millis()
                )))
            }
        }
    }

    pub async fn ping(&self) -> Result<(), PortError> {
        self.ping_with(self.breaker.admit()).await
    }

    async fn ping_with(&self, pass: Option<Pass>) -> Result<(), PortError> {
        let mut conn = self.conn_with(pass).await?;
        let pong: String = redis::cmd("PING")
            .query_async(&mut conn)
            .await
            .map_err(port_err)?;
        if pong == "PONG" {
            Ok(())
        } else {
            Err(port_err(format!("unexpected PING answer {pong:?}")))
        }
    }

    /// Deletes every key under this connection's prefix (tests clean up with it).
    pub async fn delete_prefixed(&self) -> Result<u64, PortError> {
        let mut conn = self.conn().await?;
        let pattern = format!("{}*", self.prefix);
        let mut deleted = 0;
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(500)
                .query_async(&mut conn)
                .await
                .map_err(port_err)?;
            if !keys.is_empty() {
                deleted += conn.del::<_, u64>(keys).await.map_err(port_err)?;
            }
            if next == 0 {
                return Ok(deleted);
            }
            cursor = next;
        }
    }
}

#[async_trait]
impl HealthProbe for RedisConnection {
    fn name(&self) -> &'static str {
        BACKEND
    }

    /// A PING; while Redis counts as down, the breaker's trial (see
    /// [`Breaker::admit_probe`]), so it closes as soon as Redis answers.
    async fn check(&self) -> Result<(), PortError> {
        self.ping_with(self.breaker.admit_probe()).await
    }
}

/// [`Cache`] on Redis strings with `PX` expiry.
#[derive(Clone)]
pub struct RedisCache {
    redis: RedisConnection,
}

impl RedisCache {
    pub fn new(redis: RedisConnection) -> Self {
        Self { redis }
    }
}

fn ttl_millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        let mut conn = self.redis.conn().await?;
        conn.get(self.redis.key(key)).await.map_err(port_err)
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), PortError> {
        let mut conn = self.redis.conn().await?;
        redis::cmd("SET")
            .arg(self.redis.key(key))
            .arg(value)
            .arg("PX")
            .arg(ttl_millis(ttl))
            .query_async::<()>(&mut conn)
            .await
            .map_err(port_err)
    }

    async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, PortError> {
        let mut conn = self.redis.conn().await?;
        let stored: Option<String> = redis::cmd("SET")
            .arg(self.redis.key(key))
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(ttl_millis(ttl))
            .query_async(&mut conn)
            .await
            .map_err(port_err)?;
        Ok(stored.is_some())
    }

    async fn delete(&self, key: &str) -> Result<(), PortError> {
        let mut conn = self.redis.conn().await?;
        conn.del::<_, ()>(self.redis.key(key))
            .await
            .map_err(port_err)
    }
}

/// Fixed-window rate limiting with one atomic script per hit.
#[derive(Clone)]
pub struct RedisRateLimiter {
    redis: RedisConnection,
    script: redis::Script,
}

const HIT_SCRIPT: &str = r"
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
";

impl RedisRateLimiter {
    pub fn new(redis: RedisConnection) -> Self {
        Self {
            redis,
            script: redis::Script::new(HIT_SCRIPT),
        }
    }
}

#[async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn hit(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<RateDecision, PortError> {
        let mut conn = self.redis.conn().await?;
        let (count, ttl_ms): (u64, u64) = self
            .script
            .key(self.redis.key(&format!("rl:{key}")))
            .arg(ttl_millis(window))
            .invoke_async(&mut conn)
            .await
            .map_err(port_err)?;
        if count <= u64::from(limit) {
            Ok(RateDecision::Allowed {
                remaining: limit.saturating_sub(u32::try_from(count).unwrap_or(u32::MAX)),
            })
        } else {
            Ok(RateDecision::Limited {
                retry_after: Duration::from_millis(ttl_ms),
            })
        }
    }

    async fn reset(&self, key: &str) -> Result<(), PortError> {
        let mut conn = self.redis.conn().await?;
        conn.del::<_, ()>(self.redis.key(&format!("rl:{key}")))
            .await
            .map_err(port_err)
    }
}

/// Pub/sub over Redis `PUBLISH`/`SUBSCRIBE`; subscriptions reconnect on failure.
#[derive(Clone)]
pub struct RedisPubSub {
    redis: RedisConnection,
}

impl RedisPubSub {
    pub fn new(redis: RedisConnection) -> Self {
        Self { redis }
    }
}

/// Buffered messages per subscription before the forwarding task waits.
const SUBSCRIPTION_BUFFER: usize = 1024;

#[async_trait]
impl PubSub for RedisPubSub {
    async fn publish(&self, channel: &str, payload: &[u8]) -> Result<(), PortError> {
        let mut conn = self.redis.conn().await?;
        conn.publish::<_, _, ()>(self.redis.key(channel), payload)
            .await
            .map_err(port_err)
    }

    async fn subscribe(&self, channel: &str) -> Result<MessageStream, PortError> {
        let channel = self.redis.key(channel);
        let client = self.redis.client().clone();
        let deliveries = lasting_subscription(client, channel, SUBSCRIPTION_BUFFER).await?;
        let messages = deliveries.filter_map(|delivery| {
            std::future::ready(match delivery {
                Delivery::Message(payload) => Some(payload),
                Delivery::Resumed => None,
            })
        });
        Ok(messages.boxed())
    }
}

/// Nothing kept in this process: the Redis server bounds the keys
/// (`maxmemory` and each key's expiry).
impl Footprint for RedisCache {
    fn footprint(&self) -> Vec<Size> {
        Vec::new()
    }
}

/// Nothing kept in this process: each window is a Redis key expiring with it.
impl Footprint for RedisRateLimiter {
    fn footprint(&self) -> Vec<Size> {
        Vec::new()
    }
}

/// Nothing kept in this process but the streams of open subscriptions, each
/// bounded and ended when its subscriber drops it.
impl Footprint for RedisPubSub {
    fn footprint(&self) -> Vec<Size> {
        Vec::new()
    }
}
