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
