use crate::support::{Env, PASSWORD, client, code, fields};
use p2p_identity::LoginRequest;
use p2p_testkit::on_both;

on_both!(
    password_reset_ends_every_session,
    expired_and_superseded_one_time_tokens,
);

fn login(password: &str) -> LoginRequest {
    LoginRequest {
        email: "ann@acme.example".into(),
        password: password.into(),
    }
}

async fn password_reset_ends_every_session(env: Env) {
    let first = env.signup("ann@acme.example", "Acme").await;
    let second = env
        .identity
        .login(login(PASSWORD), client("10.5.0.1"))
        .await
        .unwrap();
    env.actor(&first.access_token).await;
    env.actor(&second.access_token).await;

    // Unknown accounts get the same Ok and no email.
    env.identity
        .request_password_reset("nobody@acme.example", client("10.5.0.2"))
        .await
        .unwrap();
    assert!(env.emails_to("nobody@acme.example").await.is_empty());
    assert_eq!(
        fields(
            env.identity
                .request_password_reset("not an email", client("10.5.0.2"))
                .await
        ),
        vec![("email".into(), "invalid_email".into())]
    );

    env.identity
        .request_password_reset("Ann@Acme.example", client("10.5.0.2"))
        .await
        .unwrap();
    let token = env.link_token("ann@acme.example", "reset-password").await;
    assert_eq!(
        fields(env.identity.confirm_password_reset(&token, "short1").await),
        vec![("new_password".into(), "password_too_short".into())]
    );
    const NEW: &str = "brand-new-secret-9";
    env.identity
        .confirm_password_reset(&token, NEW)
        .await
        .unwrap();

    for tokens in [&first, &second] {
        assert_eq!(
            code(env.identity.authenticate(&tokens.access_token).await),
            (401, "unauthenticated".into())
        );
        assert_eq!(
            code(
                env.identity
                    .refresh(&tokens.refresh_token, client("10.5.0.1"))
                    .await
            ),
            (401, "invalid_refresh_token".into())
        );
    }
    assert_eq!(
        code(
            env.identity
                .login(login(PASSWORD), client("10.5.0.3"))
                .await
        ),
        (401, "invalid_credentials".into())
    );
    let after = env
        .identity
        .login(login(NEW), client("10.5.0.3"))
        .await
        .unwrap();
    assert!(after.user.email_verified, "the reset link proved the email");
    env.actor(&after.access_token).await;

    assert_eq!(
        code(
            env.identity
                .confirm_password_reset(&token, "another-secret-8")
                .await
        ),
        (410, "token_used".into())
    );
    assert_eq!(
        code(
            env.identity
                .confirm_password_reset("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NEW)
                .await
        ),
        (400, "invalid_token".into())
    );
}

async fn expired_and_superseded_one_time_tokens(env: Env) {
    let res = env.signup("ann@acme.example", "Acme").await;
    let actor = env.actor(&res.access_token).await;
    let first_link = env.link_token("ann@acme.example", "verify-email").await;

    // A resend supersedes the first link.
    env.identity.resend_verification(&actor).await.unwrap();
    let second_link = env.link_token("ann@acme.example", "verify-email").await;
    assert_ne!(first_link, second_link);
    assert_eq!(
        code(env.identity.verify_email(&first_link).await),
        (410, "token_used".into())
    );

    // Reset links live an hour.
    env.identity
        .request_password_reset("ann@acme.example", client("10.6.0.1"))
        .await
        .unwrap();
    let reset = env.link_token("ann@acme.example", "reset-password").await;
    env.clock.advance(time::Duration::minutes(61));
    assert_eq!(
        code(
            env.identity
                .confirm_password_reset(&reset, "brand-new-secret-9")
                .await
        ),
        (410, "token_expired".into())
    );

    // Verification links live 48 hours.
    env.clock.advance(time::Duration::hours(48));
    assert_eq!(
        code(env.identity.verify_email(&second_link).await),
        (410, "token_expired".into())
    );
    // The old password still works: nothing changed.
    env.identity
        .login(login(PASSWORD), client("10.6.0.2"))
        .await
        .unwrap();
}
