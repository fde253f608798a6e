use crate::support::{Env, PASSWORD, client, code};
use p2p_identity::LoginRequest;
use p2p_kernel::ids::SessionId;
use p2p_testkit::on_both;

on_both!(
    refresh_rotates_and_reuse_revokes_the_session,
    logout_and_revocation_take_effect_at_once_on_every_instance,
    expired_tokens_are_refused,
);

async fn refresh_rotates_and_reuse_revokes_the_session(env: Env) {
    let a = env.signup("ann@acme.example", "Acme").await.tokens();
    let b = env
        .identity
        .refresh(&a.refresh_token, client("10.2.0.1"))
        .await
        .unwrap();
    assert_ne!(a.refresh_token, b.refresh_token);
    assert_eq!(a.session_id, b.session_id);
    env.actor(&b.access_token).await;
    let c = env
        .identity
        .refresh(&b.refresh_token, client("10.2.0.1"))
        .await
        .unwrap();
    env.actor(&c.access_token).await;

    // The first token again: theft. The whole session ends.
    assert_eq!(
        code(
            env.identity
                .refresh(&a.refresh_token, client("10.2.0.9"))
                .await
        ),
        (401, "refresh_token_reused".into())
    );
    assert_eq!(
        code(
            env.identity
                .refresh(&c.refresh_token, client("10.2.0.1"))
                .await
        ),
        (401, "invalid_refresh_token".into())
    );
    assert_eq!(
        code(env.identity.authenticate(&c.access_token).await),
        (401, "unauthenticated".into())
    );
    assert_eq!(
        code(env.identity.refresh("garbage", client("10.2.0.1")).await),
        (401, "invalid_refresh_token".into())
    );
    assert_eq!(
        code(
            env.identity
                .refresh(
                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                    client("10.2.0.1")
                )
                .await
        ),
        (401, "invalid_refresh_token".into())
    );
}

async fn logout_and_revocation_take_effect_at_once_on_every_instance(env: Env) {
    let other_instance = env.second_instance();
    let first = env.signup("ann@acme.example", "Acme").await;
    let second = env
        .identity
        .login(
            LoginRequest {
                email: "ann@acme.example".into(),
                password: PASSWORD.into(),
            },
            client("10.3.0.2"),
        )
        .await
        .unwrap();
    // Both instances have seen (and cached) both sessions.
    for token in [&first.access_token, &second.access_token] {
        env.actor(token).await;
        other_instance.authenticate(token).await.unwrap();
    }
    let actor2 = env.actor(&second.access_token).await;
    let sessions = env.identity.list_sessions(&actor2).await.unwrap();
    assert_eq!(sessions.len(), 2);
    let current: Vec<_> = sessions.iter().filter(|s| s.current).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].id, second.session_id);
    assert_eq!(current[0].ip.as_deref(), Some("10.3.0.2"));
    assert_eq!(current[0].user_agent.as_deref(), Some("test-agent/1.0"));

    // Revoke the first session from the second one, on this instance...
    env.identity
        .revoke_session(&actor2, SessionId(first.session_id))
        .await
        .unwrap();
    // ...and it is refused on the other instance at once.
    assert_eq!(
        code(other_instance.authenticate(&first.access_token).await),
        (401, "unauthenticated".into())
    );
    assert_eq!(
        code(
            env.identity
                .refresh(&first.refresh_token, client("10.3.0.1"))
                .await
        ),
        (401, "invalid_refresh_token".into())
    );
    assert_eq!(env.identity.list_sessions(&actor2).await.unwrap().len(), 1);
    // Revoking it again, or someone else's session, is "not found".
    assert_eq!(
        code(
            env.identity
                .revoke_session(&actor2, SessionId(first.session_id))
                .await
        ),
        (404, "not_found".into())
    );
    let stranger = env.signup("zed@zeta.example", "Zeta").await;
    assert_eq!(
        code(
            env.identity
                .revoke_session(&actor2, SessionId(stranger.session_id))
                .await
        ),
        (404, "not_found".into())
    );
    env.actor(&stranger.access_token).await;

    // Logout on the other instance ends the second session here.
    other_instance.logout(&actor2).await.unwrap();
    assert_eq!(
        code(env.identity.authenticate(&second.access_token).await),
        (401, "unauthenticated".into())
    );
    assert_eq!(
        code(
            env.identity
                .refresh(&second.refresh_token, client("10.3.0.2"))
                .await
        ),
        (401, "invalid_refresh_token".into())
    );
    // Logout is idempotent.
    env.identity.logout(&actor2).await.unwrap();
}

async fn expired_tokens_are_refused(env: Env) {
    let res = env.signup("ann@acme.example", "Acme").await;
    env.actor(&res.access_token).await;
    assert_eq!(
        code(env.identity.authenticate("not-a-jwt").await),
        (401, "unauthenticated".into())
    );
    // A tampered signature.
    let mut parts = res.access_token.split('.');
    let (h, p) = (parts.next().unwrap(), parts.next().unwrap());
    assert_eq!(
        code(env.identity.authenticate(&format!("{h}.{p}.AAAA")).await),
        (401, "unauthenticated".into())
    );

    env.clock.advance(time::Duration::minutes(16));
    assert_eq!(
        code(env.identity.authenticate(&res.access_token).await),
        (401, "unauthenticated".into())
    );
    // The refresh token still works and gives a fresh access token.
    let fresh = env
        .identity
        .refresh(&res.refresh_token, client("10.4.0.1"))
        .await
        .unwrap();
    env.actor(&fresh.access_token).await;

    env.clock.advance(time::Duration::days(31));
    assert_eq!(
        code(
            env.identity
                .refresh(&fresh.refresh_token, client("10.4.0.1"))
                .await
        ),
        (401, "invalid_refresh_token".into())
    );
}

on_both!(purge_removes_only_what_is_no_longer_usable);

async fn purge_removes_only_what_is_no_longer_usable(env: Env) {
    use p2p_identity::PurgeReport;
    let keep = std::time::Duration::from_secs(7 * 24 * 3600);
    let a = env.signup("ann@acme.example", "Acme").await;
    let b = env
        .identity
        .refresh(&a.refresh_token, client("10.50.0.1"))
        .await
        .unwrap();
    assert_eq!(
        env.identity.purge_expired(keep).await.unwrap(),
        PurgeReport::default()
    );
    // The rotated token is kept: its reuse is still detected.
    let ann = env.actor(&b.access_token).await;
    let other = env
        .identity
        .login(
            LoginRequest {
                email: "ann@acme.example".into(),
                password: PASSWORD.into(),
            },
            client("10.50.0.2"),
        )
        .await
        .unwrap();
    env.identity.logout(&ann).await.unwrap();

    // Ten days on: the verification link (48 h) expired more than a week ago.
    env.clock.advance(time::Duration::days(10));
    let report = env.identity.purge_expired(keep).await.unwrap();
    // The logged-out session and its two tokens; the unused verification token.
    assert_eq!(report.sessions, 1);
    assert_eq!(report.refresh_tokens, 2);
    assert_eq!(report.one_time_tokens, 1);
    // The other session lives on.
    env.identity
        .refresh(&other.refresh_token, client("10.50.0.2"))
        .await
        .unwrap();
}

on_both!(the_purger_runs_at_start_and_stops_on_shutdown);

async fn the_purger_runs_at_start_and_stops_on_shutdown(env: Env) {
    use p2p_identity::{ExpiredRowsPurger, PurgeReport};
    use sea_orm::{ConnectionTrait, Statement};
    let keep = std::time::Duration::from_secs(7 * 24 * 3600);
    let a = env.signup("bea@acme.example", "Acme").await;
    let bea = env.actor(&a.access_token).await;
    env.identity.logout(&bea).await.unwrap();
    env.clock.advance(time::Duration::days(10));

    let sessions = || async {
        let row = env
            .db
            .query_one_raw(Statement::from_string(
                env.db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM sessions",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    };
    assert_eq!(sessions().await, 1);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(
        ExpiredRowsPurger::new(
            env.identity.clone(),
            std::time::Duration::from_secs(3600),
            keep,
        )
        .run(stopped),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while sessions().await != 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the purger did not run"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // Stopped, the purger still finishes the pass it is in (sessions go
    // before one-time tokens), so what is left is checked after it is done.
    stop.send(true).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), worker)
        .await
        .expect("the purger stops on shutdown")
        .unwrap();
    assert_eq!(
        env.identity.purge_expired(keep).await.unwrap(),
        PurgeReport::default()
    );
}
