//! Who may pin, lock, edit and delete.

use crate::support::{Env, code, drain};
use p2p_forum::PostPatch;
use p2p_kernel::ids::{OrgId, TopicId};

pub async fn pin_is_for_admins(env: Env) {
    let org = OrgId::new();
    let (ann, admin) = (env.member(org), env.admin(org));
    let t = env.topic(&ann, "Pin candidate").await.topic;
    for forbidden in [&ann, &env.member(org), &env.admin(OrgId::new())] {
        assert_eq!(
            code(env.forum.set_pinned(forbidden, t.id, true).await),
            (403, "forbidden".into())
        );
    }
    let mut events = env.events.subscribe();
    assert!(
        env.forum
            .set_pinned(&admin, t.id, true)
            .await
            .unwrap()
            .pinned
    );
    // Setting the same value again is a no-op without an event.
    assert!(
        env.forum
            .set_pinned(&admin, t.id, true)
            .await
            .unwrap()
            .pinned
    );
    let e = drain(&mut events);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].name, "topic.updated");
    assert_eq!(e[0].data["pinned"], true);
    assert!(
        !env.forum
            .set_pinned(&env.superuser(), t.id, false)
            .await
            .unwrap()
            .pinned
    );
    assert_eq!(
        code(env.forum.set_pinned(&admin, TopicId::new(), true).await),
        (404, "not_found".into())
    );
}

pub async fn members_cannot_touch_others_content(env: Env) {
    let org = OrgId::new();
    let (ann, colleague) = (env.member(org), env.member(org));
    let t = env.topic(&ann, "Ann's topic").await;
    let reply = env.reply(&ann, t.topic.id, None, "Ann's reply").await;
    let patch = PostPatch {
        content: "edited by someone else".into(),
        attachments: None,
    };
    assert_eq!(
        code(
            env.forum
                .update_post(&colleague, reply.id, patch.clone())
                .await
        ),
        (403, "forbidden".into())
    );
    assert_eq!(
        code(
            env.forum
                .update_post(&colleague, t.first_post.id, patch)
                .await
        ),
        (403, "forbidden".into())
    );
    assert_eq!(
        code(env.forum.delete_post(&colleague, reply.id).await),
        (403, "forbidden".into())
    );
    assert_eq!(
        code(env.forum.delete_topic(&colleague, t.topic.id).await),
        (403, "forbidden".into())
    );
    assert_eq!(
        code(env.forum.set_locked(&colleague, t.topic.id, true).await),
        (403, "forbidden".into())
    );
    // Nothing changed.
    let p = env.forum.get_post(&colleague, reply.id).await.unwrap();
    assert_eq!(
        (p.content.as_str(), p.deleted, p.revision_count),
        ("Ann's reply", false, 0)
    );
    assert!(env.forum.topic_exists(t.topic.id).await.unwrap());
}

p2p_testkit::on_both!(pin_is_for_admins, members_cannot_touch_others_content);
