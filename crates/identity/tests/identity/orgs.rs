use crate::support::{Env, PASSWORD, client, code, fields};
use p2p_kernel::ids::UserId;
use p2p_kernel::ports::Clock;
use p2p_kernel::{PageRequest, Role};
use p2p_orgs::OrgPatch;
use p2p_testkit::on_both;

on_both!(organization_current_members_and_stats);

async fn organization_current_members_and_stats(env: Env) {
    let a = env.signup("ann@acme.example", "Acme").await;
    let ann = env.actor(&a.access_token).await;
    for name in ["bob", "carol"] {
        let email = format!("{name}@acme.example");
        env.add_member(&ann, &email, Role::Member, (name, "M"))
            .await;
    }
    let bob = env
        .identity
        .login(
            p2p_identity::LoginRequest {
                email: "bob@acme.example".into(),
                password: PASSWORD.into(),
            },
            client("10.40.0.2"),
        )
        .await
        .unwrap();
    let bob_actor = env.actor(&bob.access_token).await;

    let current = env.orgs.current(&bob_actor).await.unwrap();
    assert_eq!(current.id, a.organization.id);
    assert_eq!(current.member_count, 3);

    assert_eq!(
        code(
            env.orgs
                .update_current(&bob_actor, OrgPatch::default())
                .await
        ),
        (403, "forbidden".into())
    );
    assert_eq!(
        fields(
            env.orgs
                .update_current(
                    &ann,
                    OrgPatch {
                        website: Some("javascript:alert(1)".into()),
                        ..OrgPatch::default()
                    }
                )
                .await
        ),
        vec![("website".into(), "invalid_url".into())]
    );
    let updated = env
        .orgs
        .update_current(
            &ann,
            OrgPatch {
                industry: Some("Manufacturing".into()),
                city: Some("Riyadh".into()),
                website: Some("https://acme.example".into()),
                ..OrgPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.industry.as_deref(), Some("Manufacturing"));
    assert_eq!(updated.domain, "acme.example");

    // Members: active only, visible to every member.
    env.identity
        .deactivate(&ann, UserId(bob_actor.user_id.0))
        .await
        .unwrap();
    let carol = env
        .identity
        .login(
            p2p_identity::LoginRequest {
                email: "carol@acme.example".into(),
                password: PASSWORD.into(),
            },
            client("10.40.0.3"),
        )
        .await
        .unwrap();
    let carol = env.actor(&carol.access_token).await;
    let members = env
        .orgs
        .members(&carol, PageRequest::first(1))
        .await
        .unwrap();
    assert_eq!(members.items.len(), 1);
    assert_eq!(members.items[0].first_name, "Ann");
    let rest = env
        .orgs
        .members(
            &carol,
            PageRequest::new(Some(10), members.next_cursor).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].first_name, "carol");

    let stats = env.orgs.stats(&carol).await.unwrap();
    assert_eq!(stats.members, 2);
    assert_eq!(stats.new_members_30d, 2);
    assert_eq!((stats.topics, stats.posts, stats.use_cases), (0, 0, 0));
    assert_eq!(stats.activity.len(), 30);
    assert_eq!(
        stats.activity.last().map(|d| d.date),
        Some(env.clock.now().date())
    );
    env.clock.advance(time::Duration::days(31));
    assert_eq!(env.orgs.stats(&carol).await.unwrap().new_members_30d, 0);
}
