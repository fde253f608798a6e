use crate::support::{Env, PASSWORD, client, code, fields};
use p2p_identity::{AcceptInviteRequest, InviteRequest, LoginRequest};
use p2p_kernel::Role;
use p2p_testkit::on_both;

on_both!(invitation_end_to_end, expired_invitations);

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
