use crate::support::{Env, PASSWORD, client, code, fields};
use p2p_identity::{AcceptInviteRequest, InviteRequest, LoginRequest};
use p2p_kernel::Role;
use p2p_testkit::on_both;

on_both!(
    invitation_end_to_end,
    expired_invitations,
    pending_invitations_are_listed_revoked_resent_and_audited,
);

fn accept(token: &str, password: &str) -> AcceptInviteRequest {
    AcceptInviteRequest {
        token: token.into(),
        password: password.into(),
        first_name: "Dave".into(),
        last_name: "Kim".into(),
    }
}

fn invite(email: &str, role: Role) -> InviteRequest {
    InviteRequest {
        email: email.into(),
        role,
        locale: None,
    }
}

async fn invitation_end_to_end(env: Env) {
    let mut events = env.events.subscribe();
    let admin = env.signup("ann@acme.example", "Acme").await;
    let actor = env.actor(&admin.access_token).await;

    let view = env
        .identity
        .invite(&actor, invite("Dave@Partner.example", Role::Member))
        .await
        .unwrap();
    assert_eq!(view.email, "dave@partner.example");
    assert_eq!(view.organization_id, admin.organization.id);
    assert_eq!(view.invited_by, Some(admin.user.id));
    let mails = env.emails_to("dave@partner.example").await;
    assert!(mails[0].contains("Ann Lee invited you to join Acme"));

    assert_eq!(
        code(
            env.identity
                .invite(&actor, invite("dave@partner.example", Role::Admin))
                .await
        ),
        (409, "invitation_pending".into())
    );
    assert_eq!(
        code(
            env.identity
                .invite(&actor, invite("ann@acme.example", Role::Member))
                .await
        ),
        (409, "email_taken".into())
    );
    assert_eq!(
        fields(
            env.identity
                .invite(&actor, invite("nope", Role::Member))
                .await
        ),
        vec![("email".into(), "invalid_email".into())]
    );

    let token = env
        .link_token("dave@partner.example", "accept-invite")
        .await;
    assert_eq!(
        fields(
            env.identity
                .accept_invite(accept(&token, "weak"), client("10.7.0.1"))
                .await
        ),
        vec![("password".into(), "password_too_short".into())]
    );
    let joined = env
        .identity
        .accept_invite(accept(&token, PASSWORD), client("10.7.0.1"))
        .await
        .unwrap();
    assert_eq!(joined.user.organization_id, admin.organization.id);
    assert_eq!(joined.user.role, Role::Member);
    assert!(joined.user.email_verified);
    assert_eq!(joined.organization.member_count, 2);
    let dave = env.actor(&joined.access_token).await;
    assert_eq!(dave.org_id.0, admin.organization.id);
    assert_eq!(dave.role, Role::Member);
    assert_eq!(
        code(
            env.identity
                .accept_invite(accept(&token, PASSWORD), client("10.7.0.1"))
                .await
        ),
        (410, "token_used".into())
    );
    assert_eq!(
        code(
            env.identity
                .accept_invite(accept("bogus", PASSWORD), client("10.7.0.1"))
                .await
        ),
        (400, "invalid_token".into())
    );
    // Dave can sign in with his password.
    env.identity
        .login(
            LoginRequest {
                email: "dave@partner.example".into(),
                password: PASSWORD.into(),
            },
            client("10.7.0.2"),
        )
        .await
        .unwrap();

    // A member cannot invite.
    assert_eq!(
        code(
            env.identity
                .invite(&dave, invite("erin@partner.example", Role::Member))
                .await
        ),
        (403, "forbidden".into())
    );

    let mut joined_event = None;
    let mut invited_event = None;
    while let Ok(e) = events.try_recv() {
        match e.name.as_str() {
            "member.joined" => joined_event = Some(e),
            "invitation.created" => invited_event = Some(e),
            _ => {}
        }
    }
    // Every member of the organization hears of the invitation, but not the address.
    let invited = invited_event.expect("invitation.created emitted");
    assert_eq!(invited.channel, format!("org:{}", admin.organization.id));
    assert_eq!(invited.data["id"], serde_json::json!(view.id));
    assert_eq!(invited.data["invited_by"], serde_json::json!(admin.user.id));
    assert!(
        !invited.data.to_string().contains("partner.example"),
        "{}",
        invited.data
    );
    let e = joined_event.expect("member.joined emitted");
    assert_eq!(e.channel, format!("org:{}", admin.organization.id));
    assert_eq!(e.data["user_id"], serde_json::json!(joined.user.id));
}

async fn expired_invitations(env: Env) {
    let admin = env.signup("ann@acme.example", "Acme").await;
    let actor = env.actor(&admin.access_token).await;
    env.identity
        .invite(&actor, invite("erin@acme.example", Role::Admin))
        .await
        .unwrap();
    let old = env.link_token("erin@acme.example", "accept-invite").await;
    env.clock
        .advance(time::Duration::days(7) + time::Duration::minutes(1));
    assert_eq!(
        code(
            env.identity
                .accept_invite(accept(&old, PASSWORD), client("10.8.0.1"))
                .await
        ),
        (410, "token_expired".into())
    );
    // The admin's access token expired too; a refreshed one can re-invite.
    let tokens = env
        .identity
        .refresh(&admin.refresh_token, client("10.8.0.1"))
        .await
        .unwrap();
    let actor = env.actor(&tokens.access_token).await;
    env.identity
        .invite(&actor, invite("erin@acme.example", Role::Admin))
        .await
        .unwrap();
    let new = env.link_token("erin@acme.example", "accept-invite").await;
    assert_eq!(
        code(
            env.identity
                .accept_invite(accept(&old, PASSWORD), client("10.8.0.1"))
                .await
        ),
        (400, "invalid_token".into())
    );
    let erin = env
        .identity
        .accept_invite(accept(&new, PASSWORD), client("10.8.0.1"))
        .await
        .unwrap();
    assert_eq!(erin.user.role, Role::Admin);
}

async fn pending_invitations_are_listed_revoked_resent_and_audited(env: Env) {
    use p2p_kernel::PageRequest;
    use p2p_kernel::audit::SqlAuditTrail;
    use p2p_kernel::ids::{OrgId, UserId};
    use p2p_kernel::ports::{AuditAction, AuditTrail};
    let admin = env.signup("ann@acme.example", "Acme").await;
    let actor = env.actor(&admin.access_token).await;
    let bob = env
        .add_member(&actor, "bob@acme.example", Role::Member, ("Bob", "Ali"))
        .await;
    let identity = &env.identity;
    let dave = identity
        .invite(&actor, invite("dave@partner.example", Role::Member))
        .await
        .unwrap();
    let eve = identity
        .invite(&actor, invite("eve@partner.example", Role::Admin))
        .await
        .unwrap();
    let first = PageRequest::first(1);
    let page = identity.list_invitations(&actor, first).await.unwrap();
    assert_eq!(
        page.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        [eve.id]
    );
    let next = PageRequest::new(Some(1), page.next_cursor).unwrap();
    let rest = identity.list_invitations(&actor, next).await.unwrap();
    assert_eq!(
        rest.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        [dave.id]
    );
    assert_eq!(rest.next_cursor, None);

    let member = env.actor(&bob.access_token).await;
    let listed = identity
        .list_invitations(&member, PageRequest::first(5))
        .await;
    assert_eq!(code(listed), (403, "forbidden".into()));
    identity.revoke_invitation(&actor, dave.id).await.unwrap();
    let twice = identity.revoke_invitation(&actor, dave.id).await;
    assert_eq!(code(twice), (404, "not_found".into()));
    let old = env.link_token("eve@partner.example", "accept-invite").await;
    let again = identity.resend_invitation(&actor, eve.id).await.unwrap();
    assert_eq!(again.id, eve.id);
    assert_ne!(
        env.link_token("eve@partner.example", "accept-invite").await,
        old
    );
    let patch = p2p_identity::AdminUserPatch {
        role: Some(Role::Admin),
        is_active: None,
    };
    identity
        .update_user(&actor, UserId(bob.user.id), patch)
        .await
        .unwrap();
    identity
        .deactivate(&actor, UserId(bob.user.id))
        .await
        .unwrap();

    let org = OrgId(admin.organization.id);
    let log = SqlAuditTrail::new(env.db.clone())
        .list(org, &PageRequest::first(20))
        .await
        .unwrap();
    let mut actions: Vec<_> = log.items.iter().map(|e| e.event.action).collect();
    actions.sort_by_key(|a| a.as_str());
    let mut expected = vec![
        AuditAction::InvitationSent, // Bob
        AuditAction::InvitationSent,
        AuditAction::InvitationSent,
        AuditAction::InvitationRevoked,
        AuditAction::InvitationResent,
        AuditAction::RoleChanged,
        AuditAction::UserDeactivated,
    ];
    expected.sort_by_key(|a| a.as_str());
    assert_eq!(actions, expected);
    assert!(log.items.iter().all(|e| e.event.actor_id == actor.user_id));
}
