use crate::support::{Env, PASSWORD, code, fields};
use p2p_identity::ProfilePatch;
use p2p_kernel::Locale;
use p2p_kernel::ids::UserId;
use p2p_testkit::on_both;

on_both!(
    profile_updates_and_avatar,
    superuser_creation_and_promotion,
    the_platform_pages_through_every_public_profile
);

async fn the_platform_pages_through_every_public_profile(env: Env) {
    let a = env.signup("ann@acme.example", "Acme").await;
    env.signup("zed@zeta.example", "مصنع زيتا").await;
    env.signup("bob@bolt.example", "Bolt").await;
    let ann = env.actor(&a.access_token).await;
    assert_eq!(
        code(env.identity.public_profiles_after(&ann, None, 10).await),
        (403, "forbidden".into())
    );

    let system = p2p_kernel::Actor::system();
    let first = env
        .identity
        .public_profiles_after(&system, None, 2)
        .await
        .unwrap();
    assert_eq!(first.len(), 2);
    let rest = env
        .identity
        .public_profiles_after(&system, first.last().map(|p| UserId(p.id)), 2)
        .await
        .unwrap();
    assert_eq!(rest.len(), 1);
    let all: Vec<_> = first.iter().chain(&rest).collect();
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "ordered by id");
    assert!(all.iter().all(|p| p.email.is_none()), "no emails");
    let mut orgs: Vec<&str> = all.iter().map(|p| p.organization_name.as_str()).collect();
    orgs.sort_unstable();
    assert_eq!(orgs, ["Acme", "Bolt", "مصنع زيتا"]);
}

async fn profile_updates_and_avatar(env: Env) {
    let a = env.signup("ann@acme.example", "Acme").await;
    let ann = env.actor(&a.access_token).await;
    let patched = env
        .identity
        .update_me(
            &ann,
            ProfilePatch {
                first_name: Some(" Anna ".into()),
                job_title: Some("Plant manager".into()),
                bio: Some("Runs the Riyadh plant.".into()),
                phone: Some("+966 (11) 555-0100".into()),
                ..ProfilePatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(patched.first_name, "Anna");
    assert_eq!(patched.last_name, "Lee");
    assert_eq!(patched.job_title.as_deref(), Some("Plant manager"));

    let cleared = env
        .identity
        .update_me(
            &ann,
            ProfilePatch {
                bio: Some(String::new()),
                ..ProfilePatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(cleared.bio, None);
    assert_eq!(cleared.job_title.as_deref(), Some("Plant manager"));

    assert_eq!(
        fields(
            env.identity
                .update_me(
                    &ann,
                    ProfilePatch {
                        first_name: Some("".into()),
                        phone: Some("call me".into()),
                        bio: Some("x".repeat(2001)),
                        ..ProfilePatch::default()
                    },
                )
                .await
        ),
        vec![
            ("first_name".into(), "required".into()),
            ("bio".into(), "too_long".into()),
            ("phone".into(), "invalid_phone".into()),
        ]
    );

    let file = uuid::Uuid::now_v7();
    let with_avatar = env
        .identity
        .set_avatar(&ann, "/api/v1/files/abc".into(), Some(file))
        .await
        .unwrap();
    assert_eq!(with_avatar.avatar_url.as_deref(), Some("/api/v1/files/abc"));
    assert_eq!(with_avatar.avatar_file_id, Some(file));
    let me = env.identity.me(&ann).await.unwrap();
    assert_eq!(me, with_avatar);
    let public = env
        .identity
        .get_user(&ann, UserId(a.user.id))
        .await
        .unwrap();
    assert_eq!(public.avatar_url.as_deref(), Some("/api/v1/files/abc"));
}

async fn superuser_creation_and_promotion(env: Env) {
    let a = env.signup("ann@acme.example", "Acme").await;
    // Promote an existing account (and set its password).
    let promoted = env
        .identity
        .create_superuser("ann@acme.example", "new-ops-secret-1", "Ann", "Lee", None)
        .await
        .unwrap();
    assert!(promoted.is_superuser);
    // Without a language, the account keeps its own.
    assert_eq!(promoted.locale, Locale::En);
    assert_eq!(promoted.organization_id, a.organization.id);
    assert!(promoted.email_verified);
    // The stamp changed: the old token must be refreshed.
    assert_eq!(
        code(env.identity.authenticate(&a.access_token).await),
        (401, "unauthenticated".into())
    );
    let fresh = env
        .identity
        .refresh(&a.refresh_token, crate::support::client("10.30.0.1"))
        .await
        .unwrap();
    assert!(env.actor(&fresh.access_token).await.is_superuser);

    // A new account in an existing organization joins it as a member.
    let colleague = env
        .identity
        .create_superuser(
            "ops@acme.example",
            PASSWORD,
            "Op",
            "Erator",
            Some(Locale::Ar),
        )
        .await
        .unwrap();
    assert_eq!(colleague.organization_id, a.organization.id);
    assert_eq!(colleague.role, p2p_kernel::Role::Member);
    assert_eq!(colleague.locale, Locale::Ar);
    // Promoting again with a language changes it.
    let promoted = env
        .identity
        .create_superuser("ann@acme.example", PASSWORD, "Ann", "Lee", Some(Locale::Ar))
        .await
        .unwrap();
    assert_eq!(promoted.locale, Locale::Ar);
    let ops = env
        .identity
        .create_superuser("ops2@acme.example", PASSWORD, "Op", "Two", None)
        .await
        .unwrap();
    assert_eq!(ops.locale, Locale::En);
    assert_eq!(
        fields(
            env.identity
                .create_superuser("bad", "weak", "", "x", None)
                .await
        ),
        vec![
            ("email".into(), "invalid_email".into()),
            ("first_name".into(), "required".into()),
            ("password".into(), "password_too_short".into()),
        ]
    );
}

on_both!(user_directory_summaries_and_mentions);

async fn user_directory_summaries_and_mentions(env: Env) {
    use p2p_kernel::ids::UserId;
    let a = env.signup("ann@acme.example", "Acme").await;
    let ann = env.actor(&a.access_token).await;
    let directory = env.users.clone();
    let found = directory
        .find_by_handles(&["ann.lee".into()])
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].display_name, "Ann Lee");
    assert_eq!(found[0].organization_id.0, a.organization.id);

    env.identity
        .update_me(
            &ann,
            ProfilePatch {
                first_name: Some("Nora".into()),
                last_name: Some("Al-Harbi".into()),
                ..ProfilePatch::default()
            },
        )
        .await
        .unwrap();
    assert!(
        directory
            .find_by_handles(&["ann.lee".into()])
            .await
            .unwrap()
            .is_empty()
    );
    let nora = directory
        .find_by_handles(&["Nora.AlHarbi".into(), "nobody".into()])
        .await
        .unwrap();
    assert_eq!(nora.len(), 1);
    assert_eq!(nora[0].handle, "nora.alharbi");
    let summaries = directory
        .summaries(&[UserId(a.user.id), UserId::new()])
        .await
        .unwrap();
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0].display_name, "Nora Al-Harbi");
    assert!(summaries[0].is_active);

    // Arabic handles match on their folded spelling, both ways: «أحمد»
    // is found by `احمد`, and «احمد» by `أحمد`; the handle keeps its spelling.
    let b = env.signup("ahmed@gulf.example", "Gulf").await;
    let b = env.actor(&b.access_token).await;
    for (actor, first) in [(&ann, "أحمد"), (&b, "احمد")] {
        env.identity
            .update_me(
                actor,
                ProfilePatch {
                    first_name: Some(first.into()),
                    last_name: Some("العتيبي".into()),
                    ..ProfilePatch::default()
                },
            )
            .await
            .unwrap();
    }
    for typed in ["احمد.العتيبي", "أحمد.العتيبي", "إحمد.العتيبى"] {
        let found = directory.find_by_handles(&[typed.into()]).await.unwrap();
        let mut handles: Vec<&str> = found.iter().map(|u| u.handle.as_str()).collect();
        handles.sort();
        assert_eq!(handles, ["أحمد.العتيبي", "احمد.العتيبي"], "{typed}");
    }
    assert!(
        directory
            .find_by_handles(&["nora.alharbi".into()])
            .await
            .unwrap()
            .is_empty()
    );
}
