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

fn gauge(sizes: &[p2p_kernel::footprint::Size], name: &str) -> f64 {
    sizes
        .iter()
        .find(|s| s.gauge == name)
        .map(|s| s.value)
        .unwrap_or_else(|| panic!("no {name} in {sizes:?}"))
}

#[tokio::test]
async fn memory_cache_is_bounded_in_bytes() {
    use p2p_kernel::footprint::Footprint;
    let max_bytes: u64 = 64 * 1024;
    let cache = MemoryCache::new(max_bytes);
    let value = vec![7u8; 1024];
    // Ten times the bound.
    for i in 0..640 {
        cache
            .set(&format!("key:{i}"), &value, Duration::from_secs(60))
            .await
            .ok();
    }
    cache.run_pending_tasks().await;
    let sizes = cache.footprint();
    let bytes = gauge(&sizes, "cache_bytes");
    let entries = gauge(&sizes, "cache_entries");
    assert!(
        bytes <= max_bytes as f64,
        "{bytes} bytes held over a bound of {max_bytes}"
    );
    assert!(entries > 0.0 && entries < 640.0, "{entries} entries held");
    let per_entry = (1024 + "key:000".len() as u32 + MemoryCache::ENTRY_OVERHEAD) as f64;
    assert!(
        bytes >= entries * (per_entry - 2.0),
        "each entry weighs its key, value and overhead"
    );

    // A value larger than the whole cache is not kept, and breaks nothing.
    let huge = vec![0u8; max_bytes as usize * 2];
    cache.set("huge", &huge, Duration::from_secs(60)).await.ok();
    cache.run_pending_tasks().await;
    assert!(gauge(&cache.footprint(), "cache_bytes") <= max_bytes as f64);
    cache.set("small", b"v", Duration::from_secs(60)).await.ok();
    assert_eq!(cache.get("small").await.ok(), Some(Some(b"v".to_vec())));
}

#[tokio::test]
async fn memory_cache_reports_what_it_holds() {
    use p2p_kernel::footprint::Footprint;
    let cache = MemoryCache::default();
    cache.set("a", b"12345", Duration::from_secs(60)).await.ok();
    cache.set("b", b"", Duration::from_secs(60)).await.ok();
    cache.run_pending_tasks().await;
    let sizes = cache.footprint();
    assert_eq!(gauge(&sizes, "cache_entries"), 2.0);
    let overhead = f64::from(MemoryCache::ENTRY_OVERHEAD);
    assert_eq!(
        gauge(&sizes, "cache_bytes"),
        1.0 + 5.0 + 1.0 + 2.0 * overhead
    );
    // Redis keeps nothing in this process.
    let redis = support::redis().await;
    assert!(RedisCache::new(redis).footprint().is_empty());
}
