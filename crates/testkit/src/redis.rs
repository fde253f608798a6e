//! Redis for a test: a connection under a key prefix of its own.

use p2p_kernel::adapters::redis::RedisConnection;
use p2p_kernel::testenv;

/// A pooled connection (`pool` connections) to the test Redis under a fresh
/// key prefix; fails the test, naming the service, when Redis is down.
/// Remove the keys afterwards with `RedisConnection::delete_prefixed`.
pub async fn redis(pool: usize) -> RedisConnection {
    let url = testenv::redis_url();
    let prefix = format!("p2p-test:{}:", uuid::Uuid::new_v4().simple());
    let conn = RedisConnection::new(&url, &prefix, pool)
        .unwrap_or_else(|e| panic!("{}", testenv::missing("Redis", &url, e)));
    if let Err(e) = conn.ping().await {
        panic!("{}", testenv::missing("Redis", &url, e));
    }
    conn
}

/// Another connection to the same Redis and prefix (another server instance).
pub fn same_redis(redis: &RedisConnection, pool: usize) -> RedisConnection {
    let url = testenv::redis_url();
    RedisConnection::new(&url, &redis.key(""), pool)
        .unwrap_or_else(|e| panic!("{}", testenv::missing("Redis", &url, e)))
}
