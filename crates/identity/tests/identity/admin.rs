use crate::support::{Env, PASSWORD, client, code};
use p2p_identity::{AdminUserPatch, AuthResponse, LoginRequest};
use p2p_kernel::ids::UserId;
use p2p_kernel::{Actor, PageRequest, Role};
use p2p_testkit::on_both;

on_both!(
    admins_manage_only_their_own_organization,
    the_last_admin_stays_and_role_changes_apply_at_once,
    deactivation_ends_sessions_and_blocks_login,
    member_list_pages_are_stable_and_filterable,
);

/// Invites `email` into the admin's organization and accepts.
async fn add_member(env: &Env, admin: &Actor, email: &str, role: Role) -> AuthResponse {
    let first_name = email.split('@').next().unwrap();
    env.add_member(admin, email, role, (first_name, "Member"))
        .await
}

fn set_role(role: Role) -> AdminUserPatch {
    AdminUserPatch {
        role: Some(role),
        is_active: None,
    }
}

async fn admins_manage_only_their_own_organization(env: Env) {
    let a = env.signup("ann@acme.example", "Acme").await;
    let a_admin = env.actor(&a.access_token).await;
    let a_member = add_member(&env, &a_admin, "bob@acme.example", Role::Member).await;
    let a_member_actor = env.actor(&a_member.access_token).await;
    let b = env.signup("zed@zeta.example", "Zeta").await;
    let b_admin = env.actor(&b.access_token).await;
    let bob = UserId(a_member.user.id);

    // Another organization's admin: "not found", never data or effect.
    assert_eq!(
        code(
            env.identity
                .update_user(&b_admin, bob, set_role(Role::Admin))
                .await
        ),
        (404, "not_found".into())
    );
    assert_eq!(
        code(env.identity.deactivate(&b_admin, bob).await),
        (404, "not_found".into())
    );
    env.actor(&a_member.access_token).await;
    // Their member list is their own.
    let zeta = env
        .identity
        .list_members(&b_admin, PageRequest::first(100), None)
        .await
        .unwrap();
    assert_eq!(zeta.items.len(), 1);
    assert_eq!(zeta.items[0].email, "zed@zeta.example");
    // The public profile is visible to everyone, without the email.
    let public = env.identity.get_user(&b_admin, bob).await.unwrap();
    assert_eq!(public.organization_name, "Acme");
    assert_eq!(public.email, None);
    let colleague = env.identity.get_user(&a_admin, bob).await.unwrap();
    assert_eq!(colleague.email.as_deref(), Some("bob@acme.example"));
    assert_eq!(
        code(
            env.identity
                .get_user(&b_admin, UserId(uuid::Uuid::now_v7()))
                .await
        ),
        (404, "not_found".into())
    );

    // A member of the same organization: forbidden.
    assert_eq!(
        code(
            env.identity
                .update_user(&a_member_actor, UserId(a.user.id), set_role(Role::Member))
                .await
        ),
        (403, "forbidden".into())
    );
    assert_eq!(
        code(
            env.identity
                .list_members(&a_member_actor, PageRequest::first(10), None)
                .await
        ),
        (403, "forbidden".into())
    );

    // A platform superuser may act anywhere.
    env.identity
        .create_superuser("ops@platform.example", PASSWORD, "Op", "Erator", None)
        .await
        .unwrap();
    let ops = env
        .identity
        .login(
            LoginRequest {
                email: "ops@platform.example".into(),
                password: PASSWORD.into(),
            },
            client("10.20.0.2"),
        )
        .await
        .unwrap();
    assert!(ops.user.is_superuser);
    assert_eq!(ops.organization.domain, "platform.example");
    assert_eq!(ops.user.role, Role::Admin);
    let ops = env.actor(&ops.access_token).await;
    assert!(ops.is_superuser);
    let promoted = env
        .identity
        .update_user(&ops, bob, set_role(Role::Admin))
        .await
        .unwrap();
    assert_eq!(promoted.role, Role::Admin);
}

async fn the_last_admin_stays_and_role_changes_apply_at_once(env: Env) {
    let a = env.signup("ann@acme.example", "Acme").await;
    let ann = env.actor(&a.access_token).await;
    let ann_id = UserId(a.user.id);
    assert_eq!(
        code(
            env.identity
                .update_user(&ann, ann_id, set_role(Role::Member))
                .await
        ),
        (409, "last_admin".into())
    );
    assert_eq!(
        code(env.identity.deactivate(&ann, ann_id).await),
        (409, "last_admin".into())
    );
    env.actor(&a.access_token).await;

    let b = add_member(&env, &ann, "bob@acme.example", Role::Member).await;
    let bob_id = UserId(b.user.id);
    env.actor(&b.access_token).await;
    env.identity
        .update_user(&ann, bob_id, set_role(Role::Admin))
        .await
        .unwrap();
    // Bob's old token carries the old role: refused at once; a refresh
    // brings the new role.
    assert_eq!(
        code(env.identity.authenticate(&b.access_token).await),
        (401, "unauthenticated".into())
    );
    let fresh = env
        .identity
        .refresh(&b.refresh_token, client("10.21.0.1"))
        .await
        .unwrap();
    let bob = env.actor(&fresh.access_token).await;
    assert_eq!(bob.role, Role::Admin);

    // Now Ann is not the last admin and may step down.
    let ann_after = env
        .identity
        .update_user(&ann, ann_id, set_role(Role::Member))
        .await
        .unwrap();
    assert_eq!(ann_after.role, Role::Member);
    // Bob is now the last one.
    assert_eq!(
        code(
            env.identity
                .update_user(&bob, bob_id, set_role(Role::Member))
                .await
        ),
        (409, "last_admin".into())
    );
    // No-op patches change nothing.
    let same = env
        .identity
        .update_user(&bob, bob_id, AdminUserPatch::default())
        .await
        .unwrap();
    assert_eq!(same.role, Role::Admin);
}

async fn deactivation_ends_sessions_and_blocks_login(env: Env) {
    let a = env.signup("ann@acme.example", "Acme").await;
    let ann = env.actor(&a.access_token).await;
    let b = add_member(&env, &ann, "bob@acme.example", Role::Member).await;
    let bob_id = UserId(b.user.id);
    env.actor(&b.access_token).await;
    let mut events = env.events.subscribe();

    env.identity.deactivate(&ann, bob_id).await.unwrap();
    assert_eq!(
        code(env.identity.authenticate(&b.access_token).await),
        (401, "unauthenticated".into())
    );
    assert_eq!(
        code(
            env.identity
                .refresh(&b.refresh_token, client("10.22.0.1"))
                .await
        ),
        (401, "invalid_refresh_token".into())
    );
    let bob_login = || {
        env.identity.login(
            LoginRequest {
                email: "bob@acme.example".into(),
                password: PASSWORD.into(),
            },
            client("10.22.0.2"),
        )
    };
    assert_eq!(code(bob_login().await), (401, "invalid_credentials".into()));
    // Still listed for the admin, as inactive; the public profile stays.
    let members = env
        .identity
        .list_members(&ann, PageRequest::first(10), None)
        .await
        .unwrap();
    assert!(
        members
            .items
            .iter()
            .any(|m| m.id == b.user.id && !m.is_active)
    );
    assert!(!env.identity.get_user(&ann, bob_id).await.unwrap().is_active);
    let names: Vec<String> = std::iter::from_fn(|| events.try_recv().ok())
        .map(|e| e.name)
        .collect();
    assert!(names.contains(&"member.updated".to_string()), "{names:?}");
    assert!(names.contains(&"session.revoked".to_string()), "{names:?}");

    // Reactivation lets Bob sign in again (his old sessions stay ended).
    env.identity
        .update_user(
            &ann,
            bob_id,
            AdminUserPatch {
                role: None,
                is_active: Some(true),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        code(env.identity.authenticate(&b.access_token).await),
        (401, "unauthenticated".into())
    );
    bob_login().await.unwrap();
}

async fn member_list_pages_are_stable_and_filterable(env: Env) {
    let a = env.signup("ann@acme.example", "Acme").await;
    let ann = env.actor(&a.access_token).await;
    for name in ["bob", "carol", "dave", "erin"] {
        add_member(&env, &ann, &format!("{name}@acme.example"), Role::Member).await;
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = env
            .identity
            .list_members(&ann, PageRequest::new(Some(2), cursor).unwrap(), None)
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|u| u.email.clone()));
        if seen.len() == 2 {
            // A newcomer while paging is neither skipped nor repeated.
            add_member(&env, &ann, "fred@acme.example", Role::Member).await;
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            "ann@acme.example",
            "bob@acme.example",
            "carol@acme.example",
            "dave@acme.example",
            "erin@acme.example",
            "fred@acme.example"
        ]
    );
    let found = env
        .identity
        .list_members(&ann, PageRequest::first(10), Some("CAR".into()))
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].email, "carol@acme.example");
    let none = env
        .identity
        .list_members(&ann, PageRequest::first(10), Some("%".into()))
        .await
        .unwrap();
    assert!(none.items.is_empty());
    assert_eq!(
        code(
            env.identity
                .list_members(
                    &ann,
                    PageRequest::new(Some(2), Some("garbage!".into())).unwrap(),
                    None
                )
                .await
        ),
        (422, "validation_failed".into())
    );
}
