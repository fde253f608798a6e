use crate::support;
use p2p_kernel::adapters::memory::MemoryRateLimiter;
use p2p_kernel::adapters::redis::RedisRateLimiter;
use p2p_kernel::ports::{RateDecision, RateLimiter};
use std::time::Duration;

async fn contract(limiter: &dyn RateLimiter) {
    let window = Duration::from_millis(400);
    for expected_remaining in [2, 1, 0] {
        assert_eq!(
            limiter.hit("login:a", 3, window).await.ok(),
            Some(RateDecision::Allowed {
                remaining: expected_remaining
            })
        );
    }
    match limiter.hit("login:a", 3, window).await {
        Ok(RateDecision::Limited { retry_after }) => {
            assert!(retry_after <= window && retry_after > Duration::ZERO);
        }
        other => panic!("fourth hit must be limited, got {other:?}"),
    }
    assert!(
        limiter
            .hit("login:b", 3, window)
            .await
            .map(|d| d.is_allowed())
            .unwrap_or(false),
        "keys are independent"
    );

    // After the window, hits are allowed again.
    let mut allowed = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if limiter
            .hit("login:a", 3, window)
            .await
            .map(|d| d.is_allowed())
            .unwrap_or(false)
        {
            allowed = true;
            break;
        }
    }
    assert!(allowed, "the window resets");

    for _ in 0..5 {
        limiter
            .hit("login:c", 1, Duration::from_secs(60))
            .await
            .ok();
    }
    limiter.reset("login:c").await.ok();
    assert!(
        limiter
            .hit("login:c", 1, Duration::from_secs(60))
            .await
            .map(|d| d.is_allowed())
            .unwrap_or(false),
        "reset forgets the key"
    );
}

#[tokio::test]
async fn memory_rate_limiter_contract() {
    contract(&MemoryRateLimiter::default()).await;
}

#[tokio::test]
async fn redis_rate_limiter_contract() {
    let redis = support::redis().await;
    contract(&RedisRateLimiter::new(redis.clone())).await;
    redis.delete_prefixed().await.ok();
}

#[tokio::test]
async fn redis_rate_limiter_is_shared_between_instances() {
    let redis = support::redis().await;
    let a = RedisRateLimiter::new(redis.clone());
    let b = RedisRateLimiter::new(redis.clone());
    let window = Duration::from_secs(60);
    assert!(
        a.hit("k", 1, window)
            .await
            .map(|d| d.is_allowed())
            .unwrap_or(false)
    );
    assert!(
        !b.hit("k", 1, window)
            .await
            .map(|d| d.is_allowed())
            .unwrap_or(true),
        "the second instance sees the first one's hit"
    );
    redis.delete_prefixed().await.ok();
}

fn keys(limiter: &MemoryRateLimiter) -> f64 {
    use p2p_kernel::footprint::Footprint;
    limiter
        .footprint()
        .iter()
        .find(|s| s.gauge == "rate_limit_keys")
        .map_or(-1.0, |s| s.value)
}

#[tokio::test]
async fn memory_rate_limiter_is_bounded_in_keys() {
    let max_keys = 1_000;
    let limiter = MemoryRateLimiter::new(max_keys);
    let window = Duration::from_secs(60);
    for i in 0..300_000u32 {
        limiter.hit(&format!("ip:{i}"), 5, window).await.ok();
    }
    limiter.run_pending_tasks().await;
    let held = keys(&limiter);
    assert!(
        (1.0..=max_keys as f64).contains(&held),
        "{held} keys held for a bound of {max_keys}"
    );

    // The limit still limits.
    for expected_remaining in [2, 1, 0] {
        assert_eq!(
            limiter.hit("login:x", 3, window).await.ok(),
            Some(RateDecision::Allowed {
                remaining: expected_remaining
            })
        );
    }
    assert!(
        matches!(
            limiter.hit("login:x", 3, window).await,
            Ok(RateDecision::Limited { .. })
        ),
        "the fourth hit is limited"
    );
}

#[tokio::test]
async fn memory_rate_limiter_forgets_ended_windows() {
    let limiter = MemoryRateLimiter::default();
    for i in 0..100 {
        limiter
            .hit(&format!("k:{i}"), 1, Duration::from_millis(100))
            .await
            .ok();
    }
    limiter.run_pending_tasks().await;
    assert_eq!(keys(&limiter), 100.0);
    // Expirations are applied by a timer wheel with buckets of about a second.
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        limiter.run_pending_tasks().await;
        if keys(&limiter) == 0.0 {
            return;
        }
    }
    panic!("ended windows are never dropped");
}

#[tokio::test]
async fn memory_rate_limiter_counts_concurrent_hits_once_each() {
    let limiter = std::sync::Arc::new(MemoryRateLimiter::default());
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                let mut allowed = 0;
                for _ in 0..50 {
                    if limiter
                        .hit("shared", 100, Duration::from_secs(60))
                        .await
                        .map(|d| d.is_allowed())
                        .unwrap_or(false)
                    {
                        allowed += 1;
                    }
                }
                allowed
            })
        })
        .collect();
    let mut allowed = 0;
    for task in tasks {
        allowed += task.await.unwrap_or(0);
    }
    assert_eq!(allowed, 100, "exactly the limit is allowed");
}
