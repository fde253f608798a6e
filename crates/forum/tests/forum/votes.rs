//! Upvotes and best answers.

use crate::support::{Backend, Env, code, drain};
use p2p_kernel::PageRequest;
use p2p_kernel::ids::{OrgId, PostId, TopicId};

pub async fn upvotes_are_idempotent(env: Env) {
    let (ann, bob) = (env.member(OrgId::new()), env.member(OrgId::new()));
    let t = env.topic(&ann, "Vote on this").await;
    let p = t.first_post.id;
    let mut events = env.events.subscribe();
    let v = env.forum.upvote(&bob, p).await.unwrap();
    assert_eq!((v.upvote_count, v.upvoted), (1, true));
    let again = env.forum.upvote(&bob, p).await.unwrap();
    assert_eq!((again.upvote_count, again.upvoted), (1, true));
    let e = drain(&mut events);
    assert_eq!(e.len(), 1, "only the change is announced");
    assert_eq!(
        (e[0].name.as_str(), e[0].data["upvote_count"].clone()),
        ("post.updated", 1.into())
    );
    let seen = env.forum.get_post(&bob, p).await.unwrap();
    assert!(seen.upvoted_by_me);
    assert!(!env.forum.get_post(&ann, p).await.unwrap().upvoted_by_me);
    let detail = env
        .forum
        .get_topic(&bob, t.topic.id, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(detail.topic.upvote_count, 1);
    assert!(detail.posts.items[0].upvoted_by_me);

    let removed = env.forum.remove_upvote(&bob, p).await.unwrap();
    assert_eq!((removed.upvote_count, removed.upvoted), (0, false));
    let removed = env.forum.remove_upvote(&bob, p).await.unwrap();
    assert_eq!((removed.upvote_count, removed.upvoted), (0, false));
    assert_eq!(
        env.forum
            .get_topic(&bob, t.topic.id, PageRequest::first(10))
            .await
            .unwrap()
            .topic
            .upvote_count,
        0
    );

    assert_eq!(
        code(env.forum.upvote(&ann, p).await),
        (409, "cannot_upvote_own_post".into())
    );
    assert_eq!(
        code(env.forum.upvote(&bob, PostId::new()).await),
        (404, "not_found".into())
    );
    assert_eq!(
        code(env.forum.remove_upvote(&bob, PostId::new()).await),
        (404, "not_found".into())
    );
    let reply = env.reply(&ann, t.topic.id, None, "soon gone").await;
    env.forum.delete_post(&ann, reply.id).await.unwrap();
    assert_eq!(
        code(env.forum.upvote(&bob, reply.id).await),
        (409, "post_deleted".into())
    );
}

/// Many concurrent upvotes by one user count once, on one or two instances;
/// concurrent upvotes by different users all count.
pub async fn concurrent_upvotes(env: Env) {
    let ann = env.member(OrgId::new());
    let t = env.topic(&ann, "Race to vote").await;
    let p = t.first_post.id;
    let bob = env.member(OrgId::new());
    // Two server instances share PostgreSQL and MongoDB; an SQLite database
    // is served by one instance.
    let other_instance = match env.backend {
        Backend::Full => env.second_instance(),
        Backend::Sqlite => env.forum.clone(),
    };
    let mut tasks = Vec::new();
    for i in 0..20 {
        let forum = if i % 2 == 0 {
            env.forum.clone()
        } else {
            other_instance.clone()
        };
        let bob = bob.clone();
        tasks.push(tokio::spawn(async move { forum.upvote(&bob, p).await }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().upvote_count, 1);
    }
    let voters: Vec<_> = (0..10).map(|_| env.member(OrgId::new())).collect();
    let mut tasks = Vec::new();
    for (i, v) in voters.into_iter().enumerate() {
        let forum = if i % 2 == 0 {
            env.forum.clone()
        } else {
            other_instance.clone()
        };
        tasks.push(tokio::spawn(async move { forum.upvote(&v, p).await }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let d = env
        .forum
        .get_topic(&bob, t.topic.id, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(d.posts.items[0].upvote_count, 11);
    assert_eq!(d.topic.upvote_count, 11);
}

pub async fn best_answer_rules(env: Env) {
    let org = OrgId::new();
    let (author, colleague, admin) = (env.member(org), env.member(org), env.admin(org));
    let (outsider, outsider_admin) = (env.member(OrgId::new()), env.admin(OrgId::new()));
    let t = env.topic(&author, "Which bearing grease?").await;
    let a = env
        .reply(&outsider, t.topic.id, None, "Lithium complex")
        .await;
    let b = env.reply(&colleague, t.topic.id, None, "Polyurea").await;
    let nested = env.reply(&outsider, t.topic.id, Some(a.id), "agree").await;

    for forbidden in [&colleague, &outsider, &outsider_admin] {
        assert_eq!(
            code(env.forum.mark_best_answer(forbidden, a.id).await),
            (403, "forbidden".into())
        );
    }
    assert_eq!(
        code(env.forum.mark_best_answer(&author, t.first_post.id).await),
        (409, "first_post_cannot_be_answer".into())
    );
    assert_eq!(
        code(env.forum.mark_best_answer(&author, PostId::new()).await),
        (404, "not_found".into())
    );

    let mut events = env.events.subscribe();
    let topic = env.forum.mark_best_answer(&author, a.id).await.unwrap();
    assert_eq!(topic.best_answer_post_id, Some(a.id));
    let e = drain(&mut events);
    let names: Vec<_> = e.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, vec!["topic.updated", "post.updated"]);
    assert_eq!(e[1].data["is_best_answer"], true);

    let flags = |env: &Env| {
        let env_forum = env.forum.clone();
        let reader = env.member(OrgId::new());
        let id = t.topic.id;
        async move {
            let d = env_forum
                .get_topic(&reader, id, PageRequest::first(50))
                .await
                .unwrap();
            let answers: Vec<PostId> = d
                .posts
                .items
                .iter()
                .filter(|p| p.is_best_answer)
                .map(|p| p.id)
                .collect();
            (d.topic.best_answer_post_id, answers)
        }
    };
    assert_eq!(flags(&env).await, (Some(a.id), vec![a.id]));
    // Moving it: the admin of the topic's organization may, one answer remains.
    env.forum.mark_best_answer(&admin, nested.id).await.unwrap();
    assert_eq!(flags(&env).await, (Some(nested.id), vec![nested.id]));
    env.forum
        .mark_best_answer(&env.superuser(), b.id)
        .await
        .unwrap();
    assert_eq!(flags(&env).await, (Some(b.id), vec![b.id]));
    assert!(env.store.get(b.id).await.unwrap().unwrap().is_best_answer);
    assert!(!env.store.get(a.id).await.unwrap().unwrap().is_best_answer);
    // Marking the same post again changes nothing.
    env.forum.mark_best_answer(&author, b.id).await.unwrap();
    assert_eq!(flags(&env).await, (Some(b.id), vec![b.id]));
    // The answer is not "unanswered".
    let unanswered = env
        .forum
        .list_topics(
            &outsider,
            p2p_forum::TopicFilter {
                sort: p2p_forum::TopicSort::Unanswered,
                ..Default::default()
            },
            PageRequest::first(10),
        )
        .await
        .unwrap();
    assert!(unanswered.items.is_empty());
    // Deleting the answer clears it; a deleted post cannot become the answer.
    env.forum.delete_post(&colleague, b.id).await.unwrap();
    assert_eq!(flags(&env).await, (None, vec![]));
    assert_eq!(
        code(env.forum.mark_best_answer(&author, b.id).await),
        (409, "post_deleted".into())
    );
    env.forum.mark_best_answer(&author, a.id).await.unwrap();
    let cleared = env
        .forum
        .clear_best_answer(&author, t.topic.id)
        .await
        .unwrap();
    assert_eq!(cleared.best_answer_post_id, None);
    assert_eq!(flags(&env).await, (None, vec![]));
    assert_eq!(
        code(env.forum.clear_best_answer(&outsider, t.topic.id).await),
        (403, "forbidden".into())
    );
    assert_eq!(
        code(env.forum.clear_best_answer(&author, TopicId::new()).await),
        (404, "not_found".into())
    );
}

p2p_testkit::on_both!(
    upvotes_are_idempotent,
    concurrent_upvotes,
    best_answer_rules
);
