use p2p_kernel::adapters::redis::RedisConnection;
use p2p_kernel::testenv;

/// A Redis connection under a fresh key prefix; fails the test if Redis is down.
pub async fn redis() -> RedisConnection {
    let url = testenv::redis_url();
    let prefix = format!("p2p-test:{}:", uuid::Uuid::new_v4().simple());
    let conn = RedisConnection::new(&url, &prefix, 4)
        .unwrap_or_else(|e| panic!("{}", testenv::missing("Redis", &url, e)));
    if let Err(e) = conn.ping().await {
        panic!("{}", testenv::missing("Redis", &url, e));
    }
    conn
}
