use crate::support::{Backend, Env, PASSWORD, client, code, run_with, signup_request};
use p2p_identity::{ClientInfo, LoginRequest, RateRule};
use p2p_kernel::ErrorCode;
use p2p_kernel::Role;
use p2p_kernel::ids::UserId;
use p2p_testkit::on_both;
use std::time::Duration;

on_both!(
    login_answers_the_same_for_unknown_email_and_wrong_password,
    login_starts_a_session_with_the_organization,
);

fn login(email: &str, password: &str) -> LoginRequest {
    LoginRequest {
        email: email.into(),
        password: password.into(),
    }
}

async fn login_starts_a_session_with_the_organization(env: Env) {
    let signed_up = env.signup("ann@acme.example", "Acme").await;
    let res = env
        .identity
        .login(login(" ANN@acme.example ", PASSWORD), client("10.1.0.1"))
        .await
        .unwrap();
    assert_eq!(res.user.id, signed_up.user.id);
    assert!(res.user.last_login_at.is_some());
    assert_eq!(res.organization.id, signed_up.organization.id);
    assert_ne!(res.session_id, signed_up.session_id);
    let actor = env.actor(&res.access_token).await;
    assert_eq!(actor.session_id.0, res.session_id);
}

async fn login_answers_the_same_for_unknown_email_and_wrong_password(env: Env) {
    let admin = env.signup("ann@acme.example", "Acme").await;
    let attempt = |email: &'static str, password: &'static str| {
        let (identity, passwords) = (env.identity.clone(), env.passwords.clone());
        async move {
            let before = passwords.runs();
            let res = identity
                .login(login(email, password), ClientInfo::default())
                .await;
            let err = res.expect_err("login must fail");
            (
                err.kind().status(),
                err.code().to_owned(),
                err.public_detail(),
                passwords.runs() - before,
            )
        }
    };
    let (s1, c1, d1, hashed_wrong) = attempt("ann@acme.example", "wrong-password-1").await;
    let (s2, c2, d2, hashed_unknown) = attempt("nobody@acme.example", "wrong-password-1").await;
    assert_eq!((s1, c1.as_str()), (401, "invalid_credentials"));
    assert_eq!((s1, &c1, &d1), (s2, &c2, &d2));
    // Both paths verify exactly one argon2 hash, so they cost the same.
    assert_eq!((hashed_wrong, hashed_unknown), (1, 1));

    // A deactivated account gets the same answer.
    let admin_actor = env.actor(&admin.access_token).await;
    let bob = env
        .add_member(
            &admin_actor,
            "bob@acme.example",
            Role::Member,
            ("Bob", "Ray"),
        )
        .await;
    env.identity
        .deactivate(&admin_actor, UserId(bob.user.id))
        .await
        .unwrap();
    let (s3, c3, d3, hashed_inactive) = attempt("bob@acme.example", PASSWORD).await;
    assert_eq!((s3, &c3, &d3), (s1, &c1, &d1));
    assert_eq!(hashed_inactive, 1);
}

#[tokio::test]
async fn rate_limits_sqlite() {
    run_with(Backend::Sqlite, small_limits, rate_limits).await;
}

#[tokio::test]
async fn rate_limits_full() {
    run_with(Backend::Full, small_limits, rate_limits).await;
}

fn small_limits(config: &mut p2p_identity::IdentityConfig) {
    let window = Duration::from_secs(600);
    config.rate_limits.login_per_account_and_address = RateRule::new(3, window);
    config.rate_limits.login_per_account = [
        RateRule::new(4, window),
        RateRule::new(6, Duration::from_secs(3600)),
        RateRule::new(100, Duration::from_secs(86_400)),
    ];
    config.rate_limits.login_per_ip = RateRule::new(5, window);
    config.rate_limits.signup_per_ip = RateRule::new(2, window);
    config.rate_limits.reset_per_ip = RateRule::new(2, window);
}

async fn rate_limits(env: Env) {
    // Signup per IP: two allowed, the third is refused whatever its content.
    for i in 0..2 {
        env.identity
            .signup(
                signup_request(&format!("a@org{i}.example"), "Org"),
                client("10.9.0.1"),
            )
            .await
            .unwrap();
    }
    let third = env
        .identity
        .signup(signup_request("a@org9.example", "Org"), client("10.9.0.1"))
        .await;
    let err = third.expect_err("rate limited");
    assert_eq!(err.kind().status(), 429);
    assert!(err.retry_after_secs().is_some_and(|s| s > 0));

    // Per account and address: three attempts, then 429 from that address
    // even with the right password; another address gets in.
    for _ in 0..3 {
        let res = env
            .identity
            .login(
                login("a@org0.example", "wrong-password-1"),
                ClientInfo::default(),
            )
            .await;
        assert_eq!(code(res), (401, "invalid_credentials".into()));
    }
    let res = env
        .identity
        .login(login("a@org0.example", PASSWORD), ClientInfo::default())
        .await;
    assert_eq!(code(res), (429, "rate_limited".into()));
    env.identity
        .login(login("a@org0.example", PASSWORD), client("10.9.1.1"))
        .await
        .unwrap();

    // Per account: failures from many addresses. Addresses that failed are
    // stopped once the account's first tier (4, the three above included)
    // is reached, with a longer wait at the next tier (6); an address that
    // has not failed is still checked, and its right password gets in.
    for i in 2..4 {
        let res = env
            .identity
            .login(
                login("a@org0.example", "wrong-password-1"),
                client(&format!("10.9.1.{i}")),
            )
            .await;
        assert_eq!(code(res), (401, "invalid_credentials".into()), "{i}");
    }
    let again = env
        .identity
        .login(
            login("a@org0.example", "wrong-password-1"),
            client("10.9.1.2"),
        )
        .await
        .unwrap_err();
    assert_eq!(again.kind().status(), 429);
    let first_wait = again.retry_after_secs().unwrap();
    assert!(first_wait <= 600, "{first_wait}");
    let res = env
        .identity
        .login(
            login("a@org0.example", "wrong-password-1"),
            client("10.9.1.5"),
        )
        .await;
    assert_eq!(
        code(res),
        (401, "invalid_credentials".into()),
        "a fresh address is checked"
    );
    let longer = env
        .identity
        .login(login("a@org0.example", PASSWORD), client("10.9.1.3"))
        .await
        .unwrap_err();
    assert!(longer.retry_after_secs().unwrap() > 600, "the wait grows");
    env.identity
        .login(login("a@org0.example", PASSWORD), client("10.9.1.6"))
        .await
        .unwrap();

    // Login per IP: five attempts over different accounts, then 429.
    for i in 0..5 {
        let res = env
            .identity
            .login(
                login(&format!("x{i}@nowhere.example"), "wrong-password-1"),
                client("10.9.0.2"),
            )
            .await;
        assert_eq!(code(res), (401, "invalid_credentials".into()));
    }
    let res = env
        .identity
        .login(login("a@org1.example", PASSWORD), client("10.9.0.2"))
        .await;
    assert_eq!(code(res), (429, "rate_limited".into()));
    // Another IP and account still get in.
    env.identity
        .login(login("a@org1.example", PASSWORD), client("10.9.0.3"))
        .await
        .unwrap();

    // Password reset per IP.
    for _ in 0..2 {
        env.identity
            .request_password_reset("a@org1.example", client("10.9.0.4"))
            .await
            .unwrap();
    }
    let res = env
        .identity
        .request_password_reset("a@org1.example", client("10.9.0.4"))
        .await;
    assert_eq!(code(res), (429, "rate_limited".into()));
}
