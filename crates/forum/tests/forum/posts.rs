//! Posts: threading, counts, edits and revisions, deletion, mentions.

use crate::support::{Env, code, drain, fields};
use p2p_forum::{NewPost, PostPatch, PostView, TOMBSTONE};
use p2p_kernel::ids::{OrgId, PostId, TopicId, UserId};
use p2p_kernel::{ErrorCode, PageRequest};
use std::sync::atomic::Ordering;

async fn thread(env: &Env, topic: TopicId, limit: u32) -> Vec<PostView> {
    let reader = env.member(OrgId::new());
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = PageRequest::new(Some(limit), cursor).unwrap();
        let detail = env.forum.get_topic(&reader, topic, page).await.unwrap();
        out.extend(detail.posts.items);
        cursor = detail.posts.next_cursor;
        if cursor.is_none() {
            return out;
        }
    }
}

fn contents(posts: &[PostView]) -> Vec<&str> {
    posts.iter().map(|p| p.content.as_str()).collect()
}

/// Thread order: top-level posts by creation time, each followed by its
/// replies depth first (siblings by creation time).
pub async fn threading_order(env: Env) {
    let org = OrgId::new();
    let (ann, bob) = (env.member(org), env.member(OrgId::new()));
    let t = env.topic(&ann, "Threaded topic").await;
    let a = env.reply(&bob, t.topic.id, None, "A").await;
    let b = env.reply(&ann, t.topic.id, None, "B").await;
    let a1 = env.reply(&ann, t.topic.id, Some(a.id), "A1").await;
    let first_reply = env
        .reply(&bob, t.topic.id, Some(t.first_post.id), "F1")
        .await;
    let a1x = env.reply(&bob, t.topic.id, Some(a1.id), "A1x").await;
    let a2 = env.reply(&bob, t.topic.id, Some(a.id), "A2").await;
    env.reply(&ann, t.topic.id, Some(b.id), "B1").await;
    env.reply(&ann, t.topic.id, None, "C").await;
    assert_eq!(
        (a1.depth, a1x.depth, a2.depth, first_reply.depth),
        (1, 2, 1, 1)
    );
    assert_eq!(a1x.parent_id, Some(a1.id));
    let expected = vec![
        "Body of Threaded topic",
        "F1",
        "A",
        "A1",
        "A1x",
        "A2",
        "B",
        "B1",
        "C",
    ];
    for limit in [1, 2, 3, 100] {
        assert_eq!(
            contents(&thread(&env, t.topic.id, limit).await),
            expected,
            "limit {limit}"
        );
    }
}

pub async fn replies_stay_in_their_topic(env: Env) {
    let ann = env.member(OrgId::new());
    let t1 = env.topic(&ann, "First topic").await;
    let t2 = env.topic(&ann, "Second topic").await;
    let post = |parent| NewPost {
        content: "reply".into(),
        parent_id: Some(parent),
        attachments: None,
    };
    // A parent that is not in this topic names nothing here: 404, naming the field.
    for parent in [t1.first_post.id, PostId::new()] {
        let err = env
            .forum
            .create_post(&ann, t2.topic.id, post(parent))
            .await
            .err();
        let Some(err) = err else {
            panic!("a reply to another topic's post was accepted");
        };
        assert_eq!(err.kind().status(), 404, "{err}");
        let named: Vec<(String, &str)> = err
            .field_errors()
            .iter()
            .map(|f| (f.field.clone(), f.code.as_str()))
            .collect();
        assert_eq!(named, vec![("parent_id".to_owned(), "invalid_parent")]);
    }
    assert_eq!(
        code(
            env.forum
                .create_post(
                    &ann,
                    TopicId::new(),
                    NewPost {
                        content: "x".into(),
                        ..Default::default()
                    }
                )
                .await
        ),
        (404, "not_found".into())
    );
    assert_eq!(
        fields(
            env.forum
                .create_post(
                    &ann,
                    t1.topic.id,
                    NewPost {
                        content: "  \n ".into(),
                        ..Default::default()
                    }
                )
                .await
        ),
        vec![("content".into(), "required".into())]
    );
    // Nesting is bounded.
    let mut parent = t1.first_post.id;
    for _ in 0..p2p_forum::MAX_DEPTH {
        parent = env
            .reply(&ann, t1.topic.id, Some(parent), "deeper")
            .await
            .id;
    }
    assert_eq!(
        fields(env.forum.create_post(&ann, t1.topic.id, post(parent)).await),
        vec![("parent_id".into(), "too_deep".into())]
    );
}

pub async fn counts_follow_posts(env: Env) {
    let org = OrgId::new();
    let (ann, bob, cat) = (env.member(org), env.member(org), env.member(OrgId::new()));
    let t = env.topic(&ann, "Counting topic").await;
    let id = t.topic.id;
    let mut events = env.events.subscribe();
    let r1 = env.reply(&bob, id, None, "one").await;
    let r2 = env.reply(&bob, id, Some(r1.id), "two").await;
    let r3 = env.reply(&cat, id, None, "three").await;
    env.forum.upvote(&ann, r1.id).await.unwrap();
    env.forum.upvote(&cat, r1.id).await.unwrap();
    env.forum.upvote(&bob, r3.id).await.unwrap();
    let reader = env.member(OrgId::new());
    let get = || async {
        env.forum
            .get_topic(&reader, id, PageRequest::first(100))
            .await
            .unwrap()
    };
    let d = get().await;
    let topic = &d.topic;
    assert_eq!(
        (
            topic.post_count,
            topic.reply_count,
            topic.participant_count,
            topic.upvote_count
        ),
        (4, 3, 3, 3)
    );
    assert_eq!(topic.last_activity_at, r3.created_at);
    let created: Vec<_> = drain(&mut events)
        .into_iter()
        .filter(|e| e.name == "post.created")
        .collect();
    assert_eq!(created.len(), 3);
    assert!(created.iter().all(|e| e.channel == format!("topic:{id}")));

    // A deleted reply leaves a tombstone in place; counts leave it out.
    let mut events = env.events.subscribe();
    env.forum.delete_post(&bob, r1.id).await.unwrap();
    let e = drain(&mut events);
    assert_eq!(
        e.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        vec!["post.deleted"]
    );
    assert_eq!(e[0].data["deleted"], true);
    let d = get().await;
    assert_eq!(
        (
            d.topic.post_count,
            d.topic.reply_count,
            d.topic.participant_count,
            d.topic.upvote_count
        ),
        (3, 2, 3, 1)
    );
    assert_eq!(
        contents(&d.posts.items),
        vec!["Body of Counting topic", TOMBSTONE, "two", "three"]
    );
    let tomb = &d.posts.items[1];
    assert!(tomb.deleted);
    assert_eq!(tomb.content_html, format!("<p>{TOMBSTONE}</p>"));
    assert_eq!(tomb.author_id, bob.user_id);
    assert_eq!(d.posts.items[2].parent_id, Some(r1.id));
    // Deleting twice is fine; the deleted post takes no edits.
    env.forum.delete_post(&bob, r1.id).await.unwrap();
    assert_eq!(
        code(
            env.forum
                .update_post(
                    &bob,
                    r1.id,
                    PostPatch {
                        content: "back".into(),
                        attachments: None
                    }
                )
                .await
        ),
        (409, "post_deleted".into())
    );
    env.forum.delete_post(&bob, r2.id).await.unwrap();
    env.forum.delete_post(&cat, r3.id).await.unwrap();
    let d = get().await;
    assert_eq!(
        (
            d.topic.post_count,
            d.topic.reply_count,
            d.topic.participant_count,
            d.topic.upvote_count
        ),
        (1, 0, 1, 0)
    );
    assert_eq!(d.topic.last_activity_at, t.topic.created_at);
    assert_eq!(
        code(env.forum.delete_post(&ann, t.first_post.id).await),
        (409, "first_post_not_deletable".into())
    );
}

pub async fn edits_keep_revisions(env: Env) {
    let org = OrgId::new();
    let (ann, colleague, admin) = (env.member(org), env.member(org), env.admin(org));
    let outsider = env.member(OrgId::new());
    let topic_admin = env.admin(OrgId::new());
    let t = env.topic(&topic_admin, "Edit history").await;
    let p = env.reply(&ann, t.topic.id, None, "first *version*").await;
    let mut events = env.events.subscribe();
    let patch = |c: &str| PostPatch {
        content: c.into(),
        attachments: None,
    };
    let v2 = env
        .forum
        .update_post(&ann, p.id, patch("second **version**"))
        .await
        .unwrap();
    assert_eq!(v2.content_html, "<p>second <strong>version</strong></p>\n");
    assert_eq!(v2.revision_count, 1);
    assert!(v2.edited_at.is_some());
    let e = drain(&mut events);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].name, "post.updated");
    assert_eq!(e[0].data["content"], "second **version**");
    for forbidden in [&colleague, &outsider, &topic_admin] {
        assert_eq!(
            code(
                env.forum
                    .update_post(forbidden, p.id, patch("vandalism"))
                    .await
            ),
            (403, "forbidden".into())
        );
    }
    env.forum
        .update_post(&admin, p.id, patch("moderated"))
        .await
        .unwrap();
    let revisions = env.forum.list_revisions(&outsider, p.id).await.unwrap();
    assert_eq!(
        revisions
            .iter()
            .map(|r| r.content.as_str())
            .collect::<Vec<_>>(),
        vec!["first *version*", "second **version**"]
    );
    assert_eq!(revisions[0].edited_by, ann.user_id);
    assert_eq!(revisions[1].edited_by, admin.user_id);
    assert_eq!(revisions[0].content_html, "<p>first <em>version</em></p>\n");
    let now = env.forum.get_post(&outsider, p.id).await.unwrap();
    assert_eq!((now.content.as_str(), now.revision_count), ("moderated", 2));
    assert_eq!(
        fields(env.forum.update_post(&ann, p.id, patch("")).await),
        vec![("content".into(), "required".into())]
    );
    assert_eq!(
        code(env.forum.update_post(&ann, PostId::new(), patch("x")).await),
        (404, "not_found".into())
    );
    // Deleting: the topic's org admin may moderate posts in its topics.
    assert_eq!(
        code(env.forum.delete_post(&colleague, p.id).await),
        (403, "forbidden".into())
    );
    assert_eq!(
        code(env.forum.delete_post(&outsider, p.id).await),
        (403, "forbidden".into())
    );
    env.forum.delete_post(&topic_admin, p.id).await.unwrap();
    // Deleted, the post is only the tombstone in its thread.
    assert_eq!(
        code(env.forum.list_revisions(&outsider, p.id).await),
        (404, "not_found".into())
    );
    assert_eq!(
        code(env.forum.get_post(&ann, p.id).await),
        (404, "not_found".into())
    );
}

pub async fn locked_topics_take_no_posts(env: Env) {
    let org = OrgId::new();
    let (ann, admin, member) = (env.member(org), env.admin(org), env.member(OrgId::new()));
    let created = env.topic(&ann, "Lockable topic").await;
    let (t, first) = (created.topic, created.first_post);
    assert_eq!(
        code(env.forum.set_locked(&ann, t.id, true).await),
        (403, "forbidden".into())
    );
    assert_eq!(
        code(
            env.forum
                .set_locked(&env.admin(OrgId::new()), t.id, true)
                .await
        ),
        (403, "forbidden".into())
    );
    let mut events = env.events.subscribe();
    let locked = env.forum.set_locked(&admin, t.id, true).await.unwrap();
    assert!(locked.locked);
    let e = drain(&mut events);
    assert_eq!((e.len(), e[0].name.as_str()), (1, "topic.updated"));
    assert_eq!(e[0].data["locked"], true);
    let post = NewPost {
        content: "anyone there?".into(),
        ..Default::default()
    };
    for who in [&member, &ann, &admin] {
        assert_eq!(
            code(env.forum.create_post(who, t.id, post.clone()).await),
            (409, "topic_locked".into())
        );
    }
    // Its posts are frozen too, except for moderators.
    let edit = |content: &str| p2p_forum::PostPatch {
        content: content.into(),
        attachments: None,
    };
    assert_eq!(
        code(env.forum.update_post(&ann, first.id, edit("sneaky")).await),
        (409, "topic_locked".into())
    );
    let moderated = env
        .forum
        .update_post(&admin, first.id, edit("moderated"))
        .await
        .unwrap();
    assert_eq!(moderated.content, "moderated");
    env.forum
        .set_locked(&env.superuser(), t.id, false)
        .await
        .unwrap();
    env.forum.create_post(&member, t.id, post).await.unwrap();
}

pub async fn mentions_are_resolved(env: Env) {
    let org = OrgId::new();
    let author = env.named(org, "Omar", "Saleh");
    let nora = env.named(OrgId::new(), "Nora", "Al-Harbi");
    let ali = env.named(org, "Ali", "Hassan");
    let gone = env.named(org, "Gone", "Away");
    env.users.deactivate(gone.user_id);
    let t = env
        .forum
        .create_topic(
            &author,
            p2p_forum::NewTopic {
                title: "Who knows pumps?".into(),
                content: "cc @nora.alharbi".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(t.first_post.mentioned_user_ids, vec![nora.user_id]);
    let mut events = env.events.subscribe();
    let p = env
        .reply(
            &author,
            t.topic.id,
            None,
            "Thanks @Ali.Hassan and @nora.alharbi! Not @gone.away, @nobody.here, \
             @omar.saleh (me), mail x@ali.hassan, `@ali.hassan` in code.",
        )
        .await;
    assert_eq!(p.mentioned_user_ids, vec![ali.user_id, nora.user_id]);
    let e = drain(&mut events);
    let created = e.iter().find(|e| e.name == "post.created").unwrap();
    assert_eq!(
        created.data["mentioned_user_ids"],
        serde_json::json!([ali.user_id, nora.user_id])
    );
    let edited = env
        .forum
        .update_post(
            &author,
            p.id,
            PostPatch {
                content: "only @ali.hassan now".into(),
                attachments: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(edited.mentioned_user_ids, vec![ali.user_id]);
    let _: UserId = gone.user_id;
}

/// Authors come from one directory lookup per page, whatever the page holds.
pub async fn authors_are_batched(env: Env) {
    let ann = env.member(OrgId::new());
    let t = env.topic(&ann, "Many authors").await.topic;
    for _ in 0..12 {
        let someone = env.member(OrgId::new());
        env.reply(&someone, t.id, None, "hello").await;
    }
    let reader = env.member(OrgId::new());
    let before = env.users.summary_calls.load(Ordering::SeqCst);
    let d = env
        .forum
        .get_topic(&reader, t.id, PageRequest::first(50))
        .await
        .unwrap();
    assert_eq!(env.users.summary_calls.load(Ordering::SeqCst) - before, 1);
    assert_eq!(d.posts.items.len(), 13);
    assert!(
        d.posts
            .items
            .iter()
            .all(|p| p.author.as_ref().map(|a| a.id) == Some(p.author_id))
    );
    let before = env.users.summary_calls.load(Ordering::SeqCst);
    env.forum
        .list_topics(&reader, Default::default(), PageRequest::first(50))
        .await
        .unwrap();
    assert_eq!(env.users.summary_calls.load(Ordering::SeqCst) - before, 1);
}

p2p_testkit::on_both!(
    threading_order,
    replies_stay_in_their_topic,
    counts_follow_posts,
    edits_keep_revisions,
    locked_topics_take_no_posts,
    mentions_are_resolved,
    authors_are_batched,
);
