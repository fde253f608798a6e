use crate::support::{Env, PASSWORD, client, code, fields, signup_request};
use p2p_identity::{ClientInfo, SignupRequest};
use p2p_kernel::Role;
use p2p_testkit::on_both;

on_both!(
    signup_creates_org_admin_session_and_verification_email,
    duplicate_email_and_claimed_domain_conflict,
    failed_signup_leaves_nothing_behind,
    concurrent_verifications_of_one_domain_claim_it_once,
    public_provider_domains_are_never_claimed,
    weak_passwords_and_bad_fields_are_field_errors,
);

async fn signup_creates_org_admin_session_and_verification_email(env: Env) {
    let res = env.signup("Ann.Lee@Acme.Example", "Acme Industrial").await;
    assert_eq!(res.user.email, "ann.lee@acme.example");
    assert_eq!(res.user.role, Role::Admin);
    assert!(!res.user.email_verified);
    assert_eq!(res.organization.domain, "acme.example");
    assert_eq!(res.organization.name, "Acme Industrial");
    assert_eq!(res.organization.member_count, 1);
    assert_eq!(res.user.organization_id, res.organization.id);
    assert_eq!(res.token_type, "Bearer");
    assert_eq!(res.expires_in, 900);

    let actor = env.actor(&res.access_token).await;
    assert_eq!(actor.user_id.0, res.user.id);
    assert_eq!(actor.org_id.0, res.organization.id);
    assert_eq!(actor.role, Role::Admin);
    assert_eq!(actor.session_id.0, res.session_id);

    let token = env.link_token("ann.lee@acme.example", "verify-email").await;
    let verified = env.identity.verify_email(&token).await.unwrap();
    assert!(verified.email_verified);
    assert!(env.identity.me(&actor).await.unwrap().email_verified);
    assert_eq!(
        code(env.identity.verify_email(&token).await),
        (410, "token_used".into())
    );
    assert_eq!(
        code(env.identity.resend_verification(&actor).await),
        (409, "already_verified".into())
    );
    assert_eq!(
        code(env.identity.verify_email("nonsense").await),
        (400, "invalid_token".into())
    );
}

async fn duplicate_email_and_claimed_domain_conflict(env: Env) {
    env.signup("ann@acme.example", "Acme").await;
    let again = env
        .identity
        .signup(
            signup_request("ANN@acme.example", "Acme 2"),
            ClientInfo::default(),
        )
        .await;
    assert_eq!(code(again), (409, "email_taken".into()));
    // Unclaimed until Ann verifies her address: another signup there is let in.
    let early = env.signup("eve@acme.example", "Acme 4").await;
    assert!(!early.organization.domain_claimed);
    env.verify("ann@acme.example").await;
    let acme = env.claimer_of("acme.example").await.map(|o| o.name);
    assert_eq!(acme.as_deref(), Some("Acme"));
    // Eve verifying later claims nothing: Acme got there first.
    env.verify("eve@acme.example").await;
    let claimer = env.claimer_of("acme.example").await.map(|o| o.name);
    assert_eq!(claimer.as_deref(), Some("Acme"));
    let colleague = env
        .identity
        .signup(
            signup_request("bob@ACME.example", "Acme 3"),
            ClientInfo::default(),
        )
        .await;
    assert_eq!(code(colleague), (409, "organization_exists".into()));
}

/// An invited user's email belongs to another domain: signing up with it
/// creates the new organization first, then fails on the user; nothing stays.
async fn failed_signup_leaves_nothing_behind(env: Env) {
    let admin = env.signup("ann@acme.example", "Acme").await;
    let actor = env.actor(&admin.access_token).await;
    let carol = ("Carol", "Diaz");
    env.add_member(&actor, "carol@freelance.example", Role::Member, carol)
        .await;
    let mails_before = env.emails_to("carol@freelance.example").await.len();

    let res = env
        .identity
        .signup(
            signup_request("carol@freelance.example", "Freelance"),
            ClientInfo::default(),
        )
        .await;
    assert_eq!(code(res), (409, "email_taken".into()));
    let orgs = env.organizations_of_domain("freelance.example").await;
    assert_eq!(orgs, 0, "the organization must be rolled back");
    assert_eq!(
        env.emails_to("carol@freelance.example").await.len(),
        mails_before
    );
    // The domain is still free.
    let dave = env.signup("dave@freelance.example", "Freelance").await;
    assert_eq!(dave.organization.domain, "freelance.example");
}

async fn concurrent_verifications_of_one_domain_claim_it_once(env: Env) {
    for i in 0..4 {
        env.signup(&format!("user{i}@race.example"), "Race").await;
    }
    let mut tokens = Vec::new();
    for i in 0..4 {
        let email = format!("user{i}@race.example");
        tokens.push(env.link_token(&email, "verify-email").await);
    }
    let mut tasks = Vec::new();
    for token in tokens {
        let identity = env.identity.clone();
        tasks.push(tokio::spawn(
            async move { identity.verify_email(&token).await },
        ));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(env.organizations_of_domain("race.example").await, 4);
    assert!(env.claimer_of("race.example").await.is_some());
    let res = env
        .identity
        .signup(
            signup_request("late@race.example", "Race"),
            ClientInfo::default(),
        )
        .await;
    assert_eq!(code(res), (409, "organization_exists".into()));
}

async fn public_provider_domains_are_never_claimed(env: Env) {
    let one = env.signup("founder@gmail.com", "Falcon Works").await;
    env.verify("founder@gmail.com").await;
    let two = env.signup("owner@GMAIL.com", "Dune Metals").await;
    assert_ne!(one.organization.id, two.organization.id);
    assert!(two.organization.domain_public);
    assert!(env.claimer_of("gmail.com").await.is_none());
}

async fn weak_passwords_and_bad_fields_are_field_errors(env: Env) {
    let signup = |email: &str, password: &str| SignupRequest {
        email: email.into(),
        password: password.into(),
        first_name: "Ann".into(),
        last_name: "Lee".into(),
        organization_name: "Acme".into(),
    };
    let short = env
        .identity
        .signup(signup("a@weak.example", "abc1"), client("10.0.0.1"))
        .await;
    assert_eq!(
        fields(short),
        vec![("password".into(), "password_too_short".into())]
    );
    let weak = env
        .identity
        .signup(signup("a@weak.example", "abcdefghijkl"), client("10.0.0.1"))
        .await;
    assert_eq!(
        fields(weak),
        vec![("password".into(), "password_too_weak".into())]
    );
    let many = env
        .identity
        .signup(
            SignupRequest {
                email: "not-an-email".into(),
                password: PASSWORD.into(),
                first_name: " ".into(),
                last_name: "x".repeat(101),
                organization_name: String::new(),
            },
            client("10.0.0.1"),
        )
        .await;
    assert_eq!(
        fields(many),
        vec![
            ("email".into(), "invalid_email".into()),
            ("first_name".into(), "required".into()),
            ("last_name".into(), "too_long".into()),
            ("organization_name".into(), "required".into()),
        ]
    );
    assert_eq!(env.organizations_of_domain("weak.example").await, 0);
}
