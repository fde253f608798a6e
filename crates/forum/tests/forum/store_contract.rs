//! The contract every `PostStore` implementation passes.

use p2p_forum::thread_segment;
use p2p_forum::{AttachmentRef, PostEdit, PostRecord, PostStore, Revision, Tombstone};
use p2p_kernel::DayCount;
use p2p_kernel::ids::{FileId, OrgId, PostId, TopicId, UserId};
use std::sync::Arc;
use time::OffsetDateTime;
use time::macros::{date, datetime};

fn at(ms: i64) -> OffsetDateTime {
    datetime!(2026-02-01 12:00 UTC) + time::Duration::milliseconds(ms)
}

fn post(
    topic: TopicId,
    org: OrgId,
    author: UserId,
    parent: Option<&PostRecord>,
    ms: i64,
) -> PostRecord {
    let id = PostId::new();
    let created = at(ms);
    let segment = thread_segment(id, created);
    PostRecord {
        id,
        topic_id: topic,
        organization_id: org,
        parent_id: parent.map(|p| p.id),
        author_id: author,
        thread_key: match parent {
            Some(p) => format!("{}{segment}", p.thread_key),
            None => segment,
        },
        depth: parent.map_or(0, |p| p.depth + 1),
        content: format!("content {ms}"),
        content_html: format!("<p>content {ms}</p>"),
        attachments: Vec::new(),
        mentioned_user_ids: Vec::new(),
        upvote_count: 0,
        is_best_answer: false,
        deleted: false,
        hidden: false,
        revision_count: 0,
        created_day: "2026-02-01".into(),
        created_at: created,
        updated_at: created,
        edited_at: None,
    }
}

pub async fn round_trip(store: Arc<dyn PostStore>) {
    let mut p = post(TopicId::new(), OrgId::new(), UserId::new(), None, 5);
    p.attachments = vec![AttachmentRef {
        file_id: FileId::new(),
        filename: "spec sheet.pdf".into(),
        content_type: "application/pdf".into(),
        size: 12_345,
    }];
    p.mentioned_user_ids = vec![UserId::new(), UserId::new()];
    p.content = "ملاحظة: **bold** & <tags> \u{1F527}".into();
    store.insert(&p).await.unwrap();
    assert_eq!(store.get(p.id).await.unwrap(), Some(p.clone()));
    assert_eq!(store.get(PostId::new()).await.unwrap(), None);

    // A batch: the posts that exist, deleted ones included; others left out.
    let mut q = post(p.topic_id, p.organization_id, p.author_id, None, 6);
    store.insert(&q).await.unwrap();
    let tombstone = Tombstone {
        content: "[deleted]".into(),
        content_html: "<p>[deleted]</p>".into(),
        deleted_at: at(7),
    };
    assert!(store.soft_delete(q.id, &tombstone).await.unwrap());
    q = store.get(q.id).await.unwrap().unwrap();
    assert!(q.deleted);
    let mut batch = store
        .get_many(&[q.id, PostId::new(), p.id, q.id])
        .await
        .unwrap();
    batch.sort_by_key(|r| r.created_at);
    assert_eq!(batch, vec![p.clone(), q]);
    assert!(store.get_many(&[]).await.unwrap().is_empty());
}

pub async fn thread_order_and_paging(store: Arc<dyn PostStore>) {
    let (topic, org, user) = (TopicId::new(), OrgId::new(), UserId::new());
    let a = post(topic, org, user, None, 1);
    let b = post(topic, org, user, None, 2);
    let a1 = post(topic, org, user, Some(&a), 3);
    let c = post(topic, org, user, None, 4);
    let a2 = post(topic, org, user, Some(&a), 5);
    let a1x = post(topic, org, user, Some(&a1), 6);
    let b1 = post(topic, org, user, Some(&b), 7);
    let other = post(TopicId::new(), org, user, None, 0);
    for p in [&c, &a1x, &a, &b1, &other, &a2, &b, &a1] {
        store.insert(p).await.unwrap();
    }
    let expected: Vec<PostId> = [&a, &a1, &a1x, &a2, &b, &b1, &c]
        .iter()
        .map(|p| p.id)
        .collect();
    let all = store.thread_page(topic, None, 100).await.unwrap();
    assert_eq!(all.iter().map(|p| p.id).collect::<Vec<_>>(), expected);

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.thread_page(topic, after.as_deref(), 3).await.unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|p| p.thread_key.clone());
        seen.extend(page.into_iter().map(|p| p.id));
    }
    assert_eq!(seen, expected);
}

pub async fn edits_keep_revisions(store: Arc<dyn PostStore>) {
    let p = post(TopicId::new(), OrgId::new(), UserId::new(), None, 1);
    store.insert(&p).await.unwrap();
    let editor = UserId::new();
    for (i, text) in ["second", "third"].iter().enumerate() {
        let previous = store.get(p.id).await.unwrap().unwrap().content;
        let edit = PostEdit {
            content: (*text).into(),
            content_html: format!("<p>{text}</p>"),
            attachments: None,
            mentioned_user_ids: vec![editor],
            previous: Revision {
                content: previous,
                edited_at: at(10 + i as i64),
                edited_by: editor,
            },
        };
        assert!(store.edit(p.id, &edit, at(10 + i as i64)).await.unwrap());
    }
    let got = store.get(p.id).await.unwrap().unwrap();
    assert_eq!(got.content, "third");
    assert_eq!(got.revision_count, 2);
    assert_eq!(got.edited_at, Some(at(11)));
    assert_eq!(got.mentioned_user_ids, vec![editor]);
    let revs = store.revisions(p.id).await.unwrap();
    assert_eq!(
        revs.iter().map(|r| r.content.as_str()).collect::<Vec<_>>(),
        vec!["content 1", "second"]
    );
    assert_eq!(revs[0].edited_by, editor);
    assert_eq!(revs[0].edited_at, at(10));

    let tomb = Tombstone {
        content: "[deleted]".into(),
        content_html: "<p>[deleted]</p>".into(),
        deleted_at: at(20),
    };
    assert!(store.soft_delete(p.id, &tomb).await.unwrap());
    let got = store.get(p.id).await.unwrap().unwrap();
    assert!(got.deleted);
    assert_eq!(got.content, "[deleted]");
    assert_eq!(got.revision_count, 0);
    assert!(got.mentioned_user_ids.is_empty());
    assert!(store.revisions(p.id).await.unwrap().is_empty());
    let edit = PostEdit {
        content: "again".into(),
        content_html: "again".into(),
        attachments: Some(Vec::new()),
        mentioned_user_ids: Vec::new(),
        previous: Revision {
            content: String::new(),
            edited_at: at(30),
            edited_by: editor,
        },
    };
    assert!(!store.edit(p.id, &edit, at(30)).await.unwrap());
    assert!(!store.soft_delete(PostId::new(), &tomb).await.unwrap());
}

pub async fn votes_are_idempotent_and_race_free(store: Arc<dyn PostStore>) {
    let p = post(TopicId::new(), OrgId::new(), UserId::new(), None, 1);
    store.insert(&p).await.unwrap();
    let voter = UserId::new();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.add_upvote(p.id, voter, at(2)).await.unwrap().unwrap()
        }));
    }
    let mut changed = 0;
    for t in tasks {
        if t.await.unwrap().changed {
            changed += 1;
        }
    }
    assert_eq!(changed, 1, "exactly one concurrent upvote counts");
    assert_eq!(store.get(p.id).await.unwrap().unwrap().upvote_count, 1);

    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .add_upvote(p.id, UserId::new(), at(3))
                .await
                .unwrap()
                .unwrap()
        }));
    }
    for t in tasks {
        assert!(t.await.unwrap().changed);
    }
    assert_eq!(store.get(p.id).await.unwrap().unwrap().upvote_count, 9);
    assert_eq!(
        store
            .upvoted_by(voter, &[p.id, PostId::new()])
            .await
            .unwrap(),
        vec![p.id]
    );

    let first = store.remove_upvote(p.id, voter).await.unwrap().unwrap();
    assert!(first.changed);
    assert_eq!(first.upvote_count, 8);
    let second = store.remove_upvote(p.id, voter).await.unwrap().unwrap();
    assert!(!second.changed);
    assert_eq!(second.upvote_count, 8);
    assert!(store.upvoted_by(voter, &[p.id]).await.unwrap().is_empty());

    assert_eq!(
        store.add_upvote(PostId::new(), voter, at(4)).await.unwrap(),
        None
    );
    assert_eq!(
        store.remove_upvote(PostId::new(), voter).await.unwrap(),
        None
    );
    let tomb = Tombstone {
        content: "x".into(),
        content_html: "x".into(),
        deleted_at: at(5),
    };
    store.soft_delete(p.id, &tomb).await.unwrap();
    assert_eq!(store.add_upvote(p.id, voter, at(6)).await.unwrap(), None);
}

pub async fn best_answer_flag_is_unique(store: Arc<dyn PostStore>) {
    let (topic, org, user) = (TopicId::new(), OrgId::new(), UserId::new());
    let a = post(topic, org, user, None, 1);
    let b = post(topic, org, user, None, 2);
    let other = post(TopicId::new(), org, user, None, 3);
    for p in [&a, &b, &other] {
        store.insert(p).await.unwrap();
    }
    store.set_best_answer(topic, Some(a.id)).await.unwrap();
    store.set_best_answer(topic, Some(b.id)).await.unwrap();
    let flags = |posts: Vec<PostRecord>| {
        posts
            .into_iter()
            .filter(|p| p.is_best_answer)
            .map(|p| p.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        flags(store.thread_page(topic, None, 10).await.unwrap()),
        vec![b.id]
    );
    // A post of another topic cannot become this topic's answer.
    store.set_best_answer(topic, Some(other.id)).await.unwrap();
    assert!(!store.get(other.id).await.unwrap().unwrap().is_best_answer);
    store.set_best_answer(topic, None).await.unwrap();
    assert!(flags(store.thread_page(topic, None, 10).await.unwrap()).is_empty());
}

pub async fn stats_and_topic_deletion(store: Arc<dyn PostStore>) {
    let (topic, org) = (TopicId::new(), OrgId::new());
    let (ann, bob) = (UserId::new(), UserId::new());
    let a = post(topic, org, ann, None, 1);
    let b = post(topic, org, bob, Some(&a), 2);
    let mut c = post(topic, OrgId::new(), bob, None, 3);
    c.created_day = "2026-02-03".into();
    let d = post(topic, org, UserId::new(), None, 4);
    for p in [&a, &b, &c, &d] {
        store.insert(p).await.unwrap();
    }
    store.add_upvote(a.id, bob, at(5)).await.unwrap();
    store.add_upvote(b.id, ann, at(5)).await.unwrap();
    store.add_upvote(d.id, ann, at(5)).await.unwrap();
    let tomb = Tombstone {
        content: "x".into(),
        content_html: "x".into(),
        deleted_at: at(6),
    };
    store.soft_delete(d.id, &tomb).await.unwrap();
    let s = store.topic_stats(topic).await.unwrap();
    assert_eq!(s.posts, 3);
    assert_eq!(s.participants, 2);
    assert_eq!(s.upvotes, 2);
    assert_eq!(s.last_post_at, Some(at(3)));
    assert_eq!(
        store.topic_stats(TopicId::new()).await.unwrap(),
        Default::default()
    );

    assert_eq!(store.count_for_org(org, &[]).await.unwrap(), 2);
    let daily = store
        .daily_for_org(org, date!(2026 - 01 - 01), &[])
        .await
        .unwrap();
    let feb_1 = |count| DayCount {
        date: date!(2026 - 02 - 01),
        count,
    };
    assert_eq!(daily, [feb_1(2)]);
    assert!(
        store
            .daily_for_org(org, date!(2026 - 02 - 02), &[])
            .await
            .unwrap()
            .is_empty()
    );
    // Hidden posts and the posts of hidden topics are not counted.
    let elsewhere = post(TopicId::new(), org, ann, None, 5);
    store.insert(&elsewhere).await.unwrap();
    assert_eq!(store.count_for_org(org, &[]).await.unwrap(), 3);
    assert!(store.set_hidden(b.id, true).await.unwrap());
    let hidden_topics = [elsewhere.topic_id, TopicId::new()];
    assert_eq!(store.count_for_org(org, &hidden_topics).await.unwrap(), 1);
    let since = date!(2026 - 01 - 01);
    let daily = store.daily_for_org(org, since, &hidden_topics).await;
    assert_eq!(daily.unwrap(), [feb_1(1)]);
    assert!(store.set_hidden(b.id, false).await.unwrap());
    assert_eq!(store.count_for_org(org, &[]).await.unwrap(), 3);

    let untouched = post(TopicId::new(), org, ann, None, 7);
    store.insert(&untouched).await.unwrap();
    assert_eq!(store.delete_topic(topic).await.unwrap(), 4);
    assert!(store.thread_page(topic, None, 10).await.unwrap().is_empty());
    assert_eq!(store.get(a.id).await.unwrap(), None);
    assert!(store.get(untouched.id).await.unwrap().is_some());
}

p2p_testkit::every_store!(
    round_trip,
    thread_order_and_paging,
    edits_keep_revisions,
    votes_are_idempotent_and_race_free,
    best_answer_flag_is_unique,
    stats_and_topic_deletion,
);
