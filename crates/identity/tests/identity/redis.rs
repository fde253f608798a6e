//! The full-stack case: two server instances share PostgreSQL and Redis.

use crate::support::{Backend, Env, PASSWORD, client, code, run};
use p2p_identity::{Identity, IdentityService, LoginRequest, RateRule};
use p2p_kernel::adapters::memory::BroadcastEventBus;
use p2p_kernel::adapters::redis::{RedisCache, RedisConnection, RedisRateLimiter};
use p2p_kernel::testenv;
use p2p_orgs::OrganizationTable;
use std::sync::Arc;
use std::time::Duration;

fn instance(env: &Env, prefix: &str) -> Arc<dyn IdentityService> {
    let url = testenv::redis_url();
    let redis = || {
        RedisConnection::new(&url, prefix, 4)
            .unwrap_or_else(|e| panic!("{}", testenv::missing("Redis", &url, e)))
    };
    let mut config = env.config.clone();
    config.rate_limits.login_per_account_and_address = RateRule::new(3, Duration::from_secs(60));
    Arc::new(Identity::new(
        env.db.clone(),
        Arc::new(RedisCache::new(redis())),
        Arc::new(RedisRateLimiter::new(redis())),
        Arc::new(BroadcastEventBus::default()),
        env.clock.clone(),
        Arc::new(OrganizationTable::new(env.db.clone())),
        config,
    ))
}

#[tokio::test]
async fn revocation_and_limits_reach_every_instance_through_redis() {
    run(Backend::Full, |env: Env| async move {
        let url = testenv::redis_url();
        let prefix = format!("p2p-test:{}:", uuid::Uuid::new_v4().simple());
        let probe = RedisConnection::new(&url, &prefix, 1)
            .unwrap_or_else(|e| panic!("{}", testenv::missing("Redis", &url, e)));
        if let Err(e) = probe.ping().await {
            panic!("{}", testenv::missing("Redis", &url, e));
        }
        let one = instance(&env, &prefix);
        let two = instance(&env, &prefix);

        let a = env.signup("ann@acme.example", "Acme").await;
        // Both instances cache the session as valid.
        let actor = one.authenticate(&a.access_token).await.unwrap();
        two.authenticate(&a.access_token).await.unwrap();
        one.logout(&actor).await.unwrap();
        assert_eq!(
            code(two.authenticate(&a.access_token).await),
            (401, "unauthenticated".into())
        );

        // The per account and address login limit is shared.
        let login = |password: &str| LoginRequest {
            email: "ann@acme.example".into(),
            password: password.into(),
        };
        for service in [&one, &two, &one] {
            assert_eq!(
                code(
                    service
                        .login(login("wrong-password-1"), client("10.60.0.1"))
                        .await
                ),
                (401, "invalid_credentials".into())
            );
        }
        assert_eq!(
            code(two.login(login(PASSWORD), client("10.60.0.1")).await),
            (429, "rate_limited".into())
        );
        // The owner, from an address that has not failed, gets in.
        one.login(login(PASSWORD), client("10.60.0.2"))
            .await
            .unwrap();
    })
    .await;
}
