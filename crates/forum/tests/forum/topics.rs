//! Topics: creation, reading, filters and sorts, editing, deletion.

use crate::support::{Env, code, drain, fields};
use p2p_forum::{NewTopic, PostPatch, TopicFilter, TopicPatch, TopicSort, TopicView};
use p2p_kernel::PageRequest;
use p2p_kernel::ids::{FileId, OrgId, TopicId};

async fn list(env: &Env, filter: TopicFilter) -> Vec<TopicView> {
    let actor = env.member(OrgId::new());
    env.forum
        .list_topics(&actor, filter, PageRequest::first(100))
        .await
        .unwrap()
        .items
}

fn titles(topics: &[TopicView]) -> Vec<&str> {
    topics.iter().map(|t| t.title.as_str()).collect()
}

pub async fn create_and_read(env: Env) {
    let org = OrgId::new();
    let ann = env.member(org);
    let mut forum_events = env.events.subscribe();
    let attachment = env.upload_png(&ann, "pump-curve.png").await;
    let created = env
        .forum
        .create_topic(
            &ann,
            NewTopic {
                title: "  Pump cavitation at night  ".into(),
                content: "Our **centrifugal** pump cavitates.".into(),
                category: Some("Maintenance".into()),
                tags: Some(vec!["Pumps".into(), "pumps".into(), " Water ".into()]),
                attachments: Some(vec![attachment.id]),
            },
        )
        .await
        .unwrap();
    let t = &created.topic;
    assert_eq!(t.title, "Pump cavitation at night");
    assert_eq!(t.category.as_deref(), Some("Maintenance"));
    assert_eq!(t.tags, vec!["pumps", "water"]);
    assert_eq!(t.organization_id, org);
    assert_eq!(t.author_id, ann.user_id);
    assert_eq!(t.author.as_ref().map(|a| a.id), Some(ann.user_id));
    assert_eq!(
        (t.post_count, t.reply_count, t.participant_count),
        (1, 0, 1)
    );
    assert!(!t.pinned && !t.locked);
    assert_eq!(t.first_post_id, created.first_post.id);
    assert_eq!(t.excerpt, "Our centrifugal pump cavitates.");
    let p = &created.first_post;
    assert!(p.is_first_post);
    assert_eq!(p.content, "Our **centrifugal** pump cavitates.");
    assert_eq!(
        p.content_html,
        "<p>Our <strong>centrifugal</strong> pump cavitates.</p>\n"
    );
    assert_eq!(p.attachments, vec![attachment]);

    let events = drain(&mut forum_events);
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(
        (events[0].channel.as_str(), events[0].name.as_str()),
        ("forum", "topic.created")
    );
    assert_eq!(events[0].data["id"], serde_json::json!(t.id));
    assert_eq!(events[1].channel, format!("topic:{}", t.id));
    assert_eq!(events[1].name, "post.created");
    assert_eq!(events[1].data["id"], serde_json::json!(p.id));

    let reader = env.member(OrgId::new());
    let detail = env
        .forum
        .get_topic(&reader, t.id, PageRequest::first(20))
        .await
        .unwrap();
    assert_eq!(&detail.topic, t);
    assert_eq!(detail.posts.items, vec![p.clone()]);
    assert_eq!(detail.posts.next_cursor, None);

    assert!(env.forum.topic_exists(t.id).await.unwrap());
    assert!(!env.forum.topic_exists(TopicId::new()).await.unwrap());
    assert_eq!(
        code(
            env.forum
                .get_topic(&reader, TopicId::new(), PageRequest::first(20))
                .await
        ),
        (404, "not_found".into())
    );
}

pub async fn validation(env: Env) {
    let ann = env.member(OrgId::new());
    let file = FileId::new();
    let bad = env
        .forum
        .create_topic(
            &ann,
            NewTopic {
                title: "Hey".into(),
                content: "x".repeat(20_001),
                category: Some("c".repeat(101)),
                tags: Some(vec!["".into(), "t".repeat(41), "ok\tno".into()]),
                attachments: Some(vec![file, FileId::new(), file]),
            },
        )
        .await;
    let f = fields(bad);
    for expected in [
        ("title", "too_short"),
        ("content", "too_long"),
        ("category", "too_long"),
        ("tags[0]", "required"),
        ("tags[1]", "too_long"),
        ("tags[2]", "invalid_characters"),
        ("attachments[2]", "duplicate"),
    ] {
        assert!(
            f.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} not in {f:?}"
        );
    }
    let many_tags = env
        .forum
        .create_topic(
            &ann,
            NewTopic {
                title: "Too many tags here".into(),
                content: "body".into(),
                tags: Some((0..11).map(|i| format!("tag{i}")).collect()),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(fields(many_tags), vec![("tags".into(), "too_many".into())]);
    let control = env
        .forum
        .create_topic(
            &ann,
            NewTopic {
                title: "Bell \u{7} title".into(),
                content: "NUL \0 inside".into(),
                ..Default::default()
            },
        )
        .await;
    assert_eq!(
        fields(control),
        vec![
            ("title".into(), "invalid_characters".into()),
            ("content".into(), "invalid_characters".into())
        ]
    );
    assert!(list(&env, TopicFilter::default()).await.is_empty());
}

pub async fn filters(env: Env) {
    let org = OrgId::new();
    let (ann, bob) = (env.member(org), env.member(OrgId::new()));
    let make = |title: &str, content: &str, category: Option<&str>, tags: &[&str]| NewTopic {
        title: title.into(),
        content: content.into(),
        category: category.map(Into::into),
        tags: Some(tags.iter().map(|t| (*t).to_string()).collect()),
        attachments: None,
    };
    env.forum
        .create_topic(
            &ann,
            make(
                "Boiler scaling issue",
                "Hard water in the boiler",
                Some("Utilities"),
                &["water", "boilers"],
            ),
        )
        .await
        .unwrap();
    env.forum
        .create_topic(
            &bob,
            make(
                "Conveyor belt tracking",
                "The belt drifts left",
                Some("utilities"),
                &["conveyors"],
            ),
        )
        .await
        .unwrap();
    env.forum
        .create_topic(
            &bob,
            make(
                "Discount 50% off sensors",
                "Vendor offer for VIBRATION sensors",
                None,
                &["water", "sensors"],
            ),
        )
        .await
        .unwrap();

    let f = |category: Option<&str>, tag: Option<&str>, q: Option<&str>| TopicFilter {
        category: category.map(Into::into),
        tag: tag.map(Into::into),
        q: q.map(Into::into),
        ..Default::default()
    };
    assert_eq!(
        titles(&list(&env, f(Some("UTILITIES"), None, None)).await),
        vec!["Conveyor belt tracking", "Boiler scaling issue"]
    );
    assert_eq!(
        titles(&list(&env, f(None, Some("Water"), None)).await),
        vec!["Discount 50% off sensors", "Boiler scaling issue"]
    );
    assert_eq!(
        titles(&list(&env, f(Some("utilities"), Some("water"), None)).await),
        vec!["Boiler scaling issue"]
    );
    assert!(list(&env, f(None, Some("nothing"), None)).await.is_empty());
    // Words of the title or the first post, all of them, any case.
    assert_eq!(
        titles(&list(&env, f(None, None, Some("vibration"))).await),
        vec!["Discount 50% off sensors"]
    );
    assert_eq!(
        titles(&list(&env, f(None, None, Some("BELT drifts"))).await),
        vec!["Conveyor belt tracking"]
    );
    assert!(
        list(&env, f(None, None, Some("belt boiler")))
            .await
            .is_empty()
    );
    // LIKE wildcards are literal.
    assert_eq!(
        titles(&list(&env, f(None, None, Some("50%"))).await),
        vec!["Discount 50% off sensors"]
    );
    assert!(list(&env, f(None, None, Some("%"))).await.len() == 1);
    assert!(list(&env, f(None, None, Some("_"))).await.is_empty());
    env.forum
        .create_topic(
            &ann,
            make(
                "مضخة الطرد المركزي تسرب",
                "تسرب من الختم الميكانيكي",
                None,
                &["مضخات"],
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        titles(&list(&env, f(None, None, Some("الميكانيكي"))).await),
        vec!["مضخة الطرد المركزي تسرب"]
    );
    assert_eq!(list(&env, f(None, Some("مضخات"), None)).await.len(), 1);
    let by_bob = TopicFilter {
        author_id: Some(bob.user_id),
        ..Default::default()
    };
    assert_eq!(list(&env, by_bob).await.len(), 2);
}

pub async fn sorts(env: Env) {
    let org = OrgId::new();
    let ann = env.member(org);
    let voters: Vec<_> = (0..3).map(|_| env.member(OrgId::new())).collect();
    let quiet = env.topic(&ann, "Quiet old topic").await;
    let voted = env.topic(&ann, "Voted topic here").await;
    let busy = env.topic(&ann, "Busy discussion").await;
    let newest = env.topic(&ann, "Newest topic").await;
    for v in &voters {
        env.forum.upvote(v, voted.first_post.id).await.unwrap();
    }
    for v in &voters {
        env.reply(v, busy.topic.id, None, "me too").await;
    }
    let sorted = |sort| TopicFilter {
        sort,
        ..Default::default()
    };
    assert_eq!(
        titles(&list(&env, sorted(TopicSort::Latest)).await),
        vec![
            "Newest topic",
            "Busy discussion",
            "Voted topic here",
            "Quiet old topic"
        ]
    );
    let top = list(&env, sorted(TopicSort::Top)).await;
    assert_eq!(top[0].title, "Voted topic here");
    assert_eq!(top[0].upvote_count, 3);
    let trending = list(&env, sorted(TopicSort::Trending)).await;
    assert_eq!(
        titles(&trending)[..2],
        ["Busy discussion", "Voted topic here"]
    );
    assert_eq!(
        titles(&list(&env, sorted(TopicSort::Unanswered)).await),
        vec!["Newest topic", "Voted topic here", "Quiet old topic"]
    );
    let busy_view = list(&env, sorted(TopicSort::Latest))
        .await
        .into_iter()
        .find(|t| t.id == busy.topic.id)
        .unwrap();
    assert_eq!(
        (
            busy_view.post_count,
            busy_view.reply_count,
            busy_view.participant_count
        ),
        (4, 3, 4)
    );
    assert!(busy_view.last_activity_at > busy.topic.last_activity_at);
    let _ = (quiet, newest);
}

pub async fn pinned_first(env: Env) {
    let org = OrgId::new();
    let (ann, admin) = (env.member(org), env.admin(org));
    let old = env.topic(&ann, "Old announcement").await;
    env.topic(&ann, "Regular topic one").await;
    env.topic(&ann, "Regular topic two").await;
    let pinned = env
        .forum
        .set_pinned(&admin, old.topic.id, true)
        .await
        .unwrap();
    assert!(pinned.pinned);
    for sort in [
        TopicSort::Latest,
        TopicSort::Top,
        TopicSort::Trending,
        TopicSort::Unanswered,
    ] {
        let topics = list(
            &env,
            TopicFilter {
                sort,
                ..Default::default()
            },
        )
        .await;
        assert_eq!(topics[0].title, "Old announcement", "{sort:?}");
    }
    env.forum
        .set_pinned(&admin, old.topic.id, false)
        .await
        .unwrap();
    let topics = list(&env, TopicFilter::default()).await;
    assert_eq!(topics[2].title, "Old announcement");
}

pub async fn update(env: Env) {
    let org = OrgId::new();
    let (ann, colleague, admin) = (env.member(org), env.member(org), env.admin(org));
    let (outsider_admin, operator) = (env.admin(OrgId::new()), env.superuser());
    let t = env.topic(&ann, "Original title").await.topic;
    let mut events = env.events.subscribe();
    let patch = |title: &str| TopicPatch {
        title: Some(title.into()),
        ..Default::default()
    };
    for forbidden in [&colleague, &outsider_admin] {
        assert_eq!(
            code(
                env.forum
                    .update_topic(forbidden, t.id, patch("Hijacked title"))
                    .await
            ),
            (403, "forbidden".into())
        );
    }
    let updated = env
        .forum
        .update_topic(
            &ann,
            t.id,
            TopicPatch {
                title: Some("Renamed by author".into()),
                category: Some("Safety".into()),
                tags: Some(vec!["PPE".into()]),
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.title, "Renamed by author");
    assert_eq!(updated.category.as_deref(), Some("Safety"));
    assert_eq!(updated.tags, vec!["ppe"]);
    assert!(updated.updated_at > t.updated_at);
    let e = drain(&mut events);
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].name.as_str(), e[0].channel.clone()),
        ("topic.updated", format!("topic:{}", t.id))
    );
    assert_eq!(e[0].data["title"], "Renamed by author");

    env.forum
        .update_topic(&admin, t.id, patch("Renamed by admin"))
        .await
        .unwrap();
    let by_operator = env
        .forum
        .update_topic(
            &operator,
            t.id,
            TopicPatch {
                category: Some(String::new()),
                tags: Some(Vec::new()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(by_operator.title, "Renamed by admin");
    assert_eq!(by_operator.category, None);
    assert!(by_operator.tags.is_empty());
    let q = |q: &str| TopicFilter {
        q: Some(q.into()),
        ..Default::default()
    };
    assert_eq!(list(&env, q("admin")).await.len(), 1);
    assert!(list(&env, q("author")).await.is_empty());
    assert!(
        list(
            &env,
            TopicFilter {
                tag: Some("ppe".into()),
                ..Default::default()
            }
        )
        .await
        .is_empty()
    );
    // Editing the first post changes what search and the excerpt see.
    env.forum
        .update_post(
            &ann,
            t.first_post_id,
            PostPatch {
                content: "Hydraulic press leaks".into(),
                attachments: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        list(&env, q("hydraulic")).await[0].excerpt,
        "Hydraulic press leaks"
    );
    assert_eq!(list(&env, q("admin hydraulic")).await.len(), 1);
    assert_eq!(
        fields(env.forum.update_topic(&ann, t.id, patch("abc")).await),
        vec![("title".into(), "too_short".into())]
    );
    assert_eq!(
        code(
            env.forum
                .update_topic(&ann, TopicId::new(), patch("Valid title"))
                .await
        ),
        (404, "not_found".into())
    );
}

pub async fn delete(env: Env) {
    let org = OrgId::new();
    let (ann, colleague, admin) = (env.member(org), env.member(org), env.admin(org));
    let outsider_admin = env.admin(OrgId::new());
    let t = env.topic(&ann, "Topic to delete").await.topic;
    let reply = env.reply(&colleague, t.id, None, "a reply").await;
    env.reply(&colleague, t.id, Some(reply.id), "nested").await;
    env.forum.upvote(&ann, reply.id).await.unwrap();
    for forbidden in [&colleague, &outsider_admin] {
        assert_eq!(
            code(env.forum.delete_topic(forbidden, t.id).await),
            (403, "forbidden".into())
        );
    }
    let mut events = env.events.subscribe();
    env.forum.delete_topic(&ann, t.id).await.unwrap();
    let e = drain(&mut events);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].name, "topic.deleted");
    assert!(!env.forum.topic_exists(t.id).await.unwrap());
    assert!(
        env.store
            .thread_page(t.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(env.store.get(reply.id).await.unwrap(), None);
    assert_eq!(env.store.get(t.first_post_id).await.unwrap(), None);
    assert_eq!(
        code(env.forum.get_post(&ann, reply.id).await),
        (404, "not_found".into())
    );
    assert_eq!(
        code(env.forum.delete_topic(&ann, t.id).await),
        (404, "not_found".into())
    );
    assert!(list(&env, TopicFilter::default()).await.is_empty());

    let second = env.topic(&colleague, "Admin removes this").await.topic;
    env.forum.delete_topic(&admin, second.id).await.unwrap();
    let third = env.topic(&colleague, "Operator removes this").await.topic;
    env.forum
        .delete_topic(&env.superuser(), third.id)
        .await
        .unwrap();
    assert!(list(&env, TopicFilter::default()).await.is_empty());
}

p2p_testkit::on_both!(
    create_and_read,
    validation,
    filters,
    sorts,
    pinned_first,
    update,
    delete
);
