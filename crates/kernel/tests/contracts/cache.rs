use crate::support;
use p2p_kernel::adapters::memory::MemoryCache;
use p2p_kernel::adapters::redis::RedisCache;
use p2p_kernel::ports::Cache;
use std::time::Duration;

async fn contract(cache: &dyn Cache) {
    assert_eq!(cache.get("missing").await.ok(), Some(None));

    cache.set("k", b"v1", Duration::from_secs(60)).await.ok();
    assert_eq!(cache.get("k").await.ok(), Some(Some(b"v1".to_vec())));
    cache.set("k", b"v2", Duration::from_secs(60)).await.ok();
    assert_eq!(
        cache.get("k").await.ok(),
        Some(Some(b"v2".to_vec())),
        "set overwrites"
    );

    assert_eq!(
        cache
            .set_if_absent("once", b"a", Duration::from_secs(60))
            .await
            .ok(),
        Some(true)
    );
    assert_eq!(
        cache
            .set_if_absent("once", b"b", Duration::from_secs(60))
            .await
            .ok(),
        Some(false),
        "second set_if_absent is refused"
    );
    assert_eq!(cache.get("once").await.ok(), Some(Some(b"a".to_vec())));

    cache.delete("k").await.ok();
    assert_eq!(cache.get("k").await.ok(), Some(None), "deleted");

    cache
        .set("short", b"x", Duration::from_millis(150))
        .await
        .ok();
    assert_eq!(cache.get("short").await.ok(), Some(Some(b"x".to_vec())));
    wait_until_gone(cache, "short").await;
    assert_eq!(
        cache
            .set_if_absent("short", b"y", Duration::from_secs(60))
            .await
            .ok(),
        Some(true),
        "an expired key counts as absent"
    );
}

async fn wait_until_gone(cache: &dyn Cache, key: &str) {
    for _ in 0..100 {
        if cache.get(key).await.ok() == Some(None) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{key} never expired");
}

#[tokio::test]
async fn memory_cache_contract() {
    contract(&MemoryCache::default()).await;
}

#[tokio::test]
async fn redis_cache_contract() {
    let redis = support::redis().await;
    contract(&RedisCache::new(redis.clone())).await;
    redis.delete_prefixed().await.ok();
}

#[tokio::test]
async fn redis_cache_keys_are_prefixed() {
    let a = support::redis().await;
    let b = support::redis().await;
    RedisCache::new(a.clone())
        .set("shared", b"a", Duration::from_secs(60))
        .await
        .ok();
    assert_eq!(
        RedisCache::new(b.clone()).get("shared").await.ok(),
        Some(None),
        "another prefix does not see the key"
    );
    a.delete_prefixed().await.ok();
    b.delete_prefixed().await.ok();
}
