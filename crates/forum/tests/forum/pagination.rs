//! Cursor pagination: exact (no item skipped or repeated) while new items arrive.

use crate::support::{Env, code, fields};
use p2p_forum::{NewPost, NewTopic, TopicFilter, TopicSort};
use p2p_kernel::ids::{OrgId, TopicId};
use p2p_kernel::{Cursor, PageRequest};
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub async fn topic_lists_are_exact_under_concurrent_inserts(env: Env) {
    let org = OrgId::new();
    let (ann, admin) = (env.member(org), env.admin(org));
    let voters: Vec<_> = (0..3).map(|_| env.member(OrgId::new())).collect();
    let mut originals = Vec::new();
    for i in 0..24 {
        let t = env.topic(&ann, &format!("Original topic {i:02}")).await;
        // Ties in votes and replies are frequent: the id breaks them.
        for v in voters.iter().take(i % 3) {
            env.forum.upvote(v, t.first_post.id).await.unwrap();
        }
        if i % 4 == 0 {
            env.reply(&voters[0], t.topic.id, None, "reply").await;
        }
        if i % 7 == 0 {
            env.forum
                .set_pinned(&admin, t.topic.id, true)
                .await
                .unwrap();
        }
        originals.push(t.topic.id);
    }
    let reader = env.member(OrgId::new());
    for sort in [
        TopicSort::Latest,
        TopicSort::Top,
        TopicSort::Trending,
        TopicSort::Unanswered,
    ] {
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (forum, stop, ann) = (env.forum.clone(), stop.clone(), ann.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    forum
                        .create_topic(
                            &ann,
                            NewTopic {
                                title: format!("Concurrent topic {n}"),
                                content: "arrives while paging".into(),
                                ..Default::default()
                            },
                        )
                        .await
                        .unwrap();
                    n += 1;
                    tokio::task::yield_now().await;
                }
                n
            })
        };
        let filter = TopicFilter {
            sort,
            ..Default::default()
        };
        let mut seen: Vec<TopicId> = Vec::new();
        let mut cursor = None;
        let mut pages = 0;
        loop {
            let page = env
                .forum
                .list_topics(
                    &reader,
                    filter.clone(),
                    PageRequest::new(Some(4), cursor).unwrap(),
                )
                .await
                .unwrap();
            pages += 1;
            // Pinned topics come first on every sort.
            seen.extend(page.items.iter().map(|t| t.id));
            cursor = page.next_cursor;
            if cursor.is_none() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        stop.store(true, Ordering::SeqCst);
        let inserted = writer.await.unwrap();
        assert!(inserted > 0, "{sort:?}: no topic was inserted while paging");
        let unique: HashSet<_> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "{sort:?}: a topic was repeated");
        let expected: Vec<TopicId> = if sort == TopicSort::Unanswered {
            originals
                .iter()
                .enumerate()
                .filter(|(i, _)| i % 4 != 0)
                .map(|(_, id)| *id)
                .collect()
        } else {
            originals.clone()
        };
        for id in &expected {
            assert!(
                unique.contains(id),
                "{sort:?}: topic {id} was skipped ({pages} pages)"
            );
        }
    }
    // Pinned first, then each sort's order, stable across pages.
    let all = env
        .forum
        .list_topics(&reader, TopicFilter::default(), PageRequest::first(100))
        .await
        .unwrap()
        .items;
    let pinned: Vec<bool> = all.iter().map(|t| t.pinned).collect();
    let first_unpinned = pinned.iter().position(|p| !p).unwrap();
    assert_eq!(first_unpinned, 4);
    assert!(pinned[first_unpinned..].iter().all(|p| !p));
    let top = env
        .forum
        .list_topics(
            &reader,
            TopicFilter {
                sort: TopicSort::Top,
                ..Default::default()
            },
            PageRequest::first(100),
        )
        .await
        .unwrap()
        .items;
    let unpinned: Vec<u64> = top
        .iter()
        .filter(|t| !t.pinned)
        .map(|t| t.upvote_count)
        .collect();
    assert!(unpinned.windows(2).all(|w| w[0] >= w[1]), "{unpinned:?}");
}

pub async fn posts_are_exact_under_concurrent_replies(env: Env) {
    let ann = env.member(OrgId::new());
    let t = env.topic(&ann, "Busy thread").await;
    let mut originals = vec![t.first_post.id];
    for i in 0..10 {
        let p = env
            .reply(&ann, t.topic.id, None, &format!("post {i}"))
            .await;
        originals.push(p.id);
        if i % 3 == 0 {
            originals.push(env.reply(&ann, t.topic.id, Some(p.id), "reply").await.id);
        }
    }
    let expected_order = env
        .forum
        .get_topic(&ann, t.topic.id, PageRequest::first(100))
        .await
        .unwrap()
        .posts
        .items
        .into_iter()
        .map(|p| p.id)
        .collect::<Vec<_>>();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (forum, stop, ann, id) = (env.forum.clone(), stop.clone(), ann.clone(), t.topic.id);
        let parent = originals[1];
        tokio::spawn(async move {
            let mut n = 0u32;
            while !stop.load(Ordering::SeqCst) {
                let parent_id = n.is_multiple_of(2).then_some(parent);
                forum
                    .create_post(
                        &ann,
                        id,
                        NewPost {
                            content: format!("concurrent {n}"),
                            parent_id,
                            attachments: None,
                        },
                    )
                    .await
                    .unwrap();
                n += 1;
                tokio::task::yield_now().await;
            }
            n
        })
    };
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = PageRequest::new(Some(3), cursor).unwrap();
        let d = env.forum.get_topic(&ann, t.topic.id, page).await.unwrap();
        seen.extend(d.posts.items.iter().map(|p| p.id));
        cursor = d.posts.next_cursor;
        if cursor.is_none() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    stop.store(true, Ordering::SeqCst);
    assert!(writer.await.unwrap() > 0);
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a post was repeated");
    let original_seen: Vec<_> = seen
        .iter()
        .filter(|id| originals.contains(id))
        .copied()
        .collect();
    assert_eq!(
        original_seen, expected_order,
        "originals skipped or out of order"
    );
}

pub async fn bad_cursors_are_422(env: Env) {
    let ann = env.member(OrgId::new());
    for i in 0..3 {
        env.topic(&ann, &format!("Topic number {i}")).await;
    }
    let page = env
        .forum
        .list_topics(&ann, TopicFilter::default(), PageRequest::first(1))
        .await
        .unwrap();
    let latest_cursor = page.next_cursor.unwrap();
    // A cursor of another sort, garbage, and a well-formed but wrong shape.
    let top = TopicFilter {
        sort: TopicSort::Top,
        ..Default::default()
    };
    assert_eq!(
        fields(
            env.forum
                .list_topics(
                    &ann,
                    top,
                    PageRequest::new(None, Some(latest_cursor)).unwrap()
                )
                .await
        ),
        vec![("cursor".into(), "invalid_cursor".into())]
    );
    for bad in [
        "%%%".to_string(),
        Cursor::encode(&42),
        Cursor::encode(&serde_json::json!({"s": "top", "p": false, "i": "x"})),
    ] {
        assert_eq!(
            code(
                env.forum
                    .list_topics(
                        &ann,
                        TopicFilter::default(),
                        PageRequest::new(None, Some(bad)).unwrap()
                    )
                    .await
            ),
            (422, "validation_failed".into())
        );
    }
    let t = env.topic(&ann, "Posts cursor").await;
    assert_eq!(
        code(
            env.forum
                .get_topic(
                    &ann,
                    t.topic.id,
                    PageRequest::new(None, Some(Cursor::encode(&7))).unwrap()
                )
                .await
        ),
        (422, "validation_failed".into())
    );
}

p2p_testkit::on_both!(
    topic_lists_are_exact_under_concurrent_inserts,
    posts_are_exact_under_concurrent_replies,
    bad_cursors_are_422,
);
