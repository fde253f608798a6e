//! The dashboard's reads: the activity feed and totals per kind.

use crate::support::{document, index};
use p2p_search::{IndexSearch, Kind, SearchService, StatsScope};
use p2p_testkit::{member, on_both};

on_both!(
    activity_is_newest_first_and_shows_only_what_the_viewer_may_see,
    activity_pages_continue_after_the_cursor,
    totals_count_per_kind_within_the_scope,
);

async fn activity_is_newest_first_and_shows_only_what_the_viewer_may_see(search: IndexSearch) {
    let viewer = member();
    let other = member();
    let old_topic = document(Kind::Topic, other.org_id.0, "Old topic", "", 30);
    let new_post = document(Kind::Post, other.org_id.0, "Reply", "text", 10);
    let mut draft = document(Kind::UseCase, other.org_id.0, "Their draft", "", 5);
    draft.published = false;
    let their_member = document(Kind::User, other.org_id.0, "Someone else", "", 2);
    let our_member = document(Kind::User, viewer.org_id.0, "Colleague", "", 1);
    index(
        &search,
        &[
            old_topic.clone(),
            new_post.clone(),
            draft,
            their_member,
            our_member.clone(),
        ],
    )
    .await;

    let rows = search
        .index()
        .activity(viewer.org_id.0, None, 10)
        .await
        .unwrap();
    let seen: Vec<_> = rows.iter().map(|r| r.head.id).collect();
    assert_eq!(seen, vec![our_member.id, new_post.id, old_topic.id]);
}

async fn activity_pages_continue_after_the_cursor(search: IndexSearch) {
    let viewer = member();
    let docs: Vec<_> = (0..5)
        .map(|i| document(Kind::Topic, viewer.org_id.0, &format!("Topic {i}"), "", i))
        .collect();
    index(&search, &docs).await;

    let first = search
        .index()
        .activity(viewer.org_id.0, None, 2)
        .await
        .unwrap();
    let last = &first[1];
    let after = (
        p2p_search::index_ms(last.created_at),
        last.head.kind.as_str().to_owned(),
        last.head.id.to_string(),
    );
    let rest = search
        .index()
        .activity(viewer.org_id.0, Some(after), 10)
        .await
        .unwrap();
    let seen: Vec<_> = first.iter().chain(&rest).map(|r| r.head.id).collect();
    let expected: Vec<_> = docs.iter().map(|d| d.id).collect();
    assert_eq!(seen, expected);
}

async fn totals_count_per_kind_within_the_scope(search: IndexSearch) {
    let ours = member();
    let theirs = member();
    let mut answer = document(Kind::Post, ours.org_id.0, "Answer", "", 1);
    answer.metrics.upvotes = 3;
    answer.metrics.best_answer = true;
    let mut draft = document(Kind::UseCase, ours.org_id.0, "Draft", "", 1);
    draft.published = false;
    draft.metrics.views = 7;
    let elsewhere = document(Kind::Post, theirs.org_id.0, "Elsewhere", "", 1);
    index(&search, &[answer.clone(), draft, elsewhere]).await;

    let org = search
        .index()
        .totals(StatsScope::Organization(ours.org_id.0))
        .await
        .unwrap();
    assert_eq!(org[&Kind::Post].count, 1);
    assert_eq!(org[&Kind::Post].upvotes, 3);
    assert_eq!(org[&Kind::Post].best_answers, 1);
    assert_eq!(org[&Kind::UseCase].views, 7);

    let platform = search.index().platform_counts().await.unwrap();
    assert_eq!(platform.posts, 2);
    assert_eq!(platform.use_cases, 0, "drafts are not platform totals");

    let author = answer.author_id.unwrap();
    let mine = search
        .index()
        .totals(StatsScope::Author(author))
        .await
        .unwrap();
    assert_eq!(mine[&Kind::Post].count, 1);
    assert_eq!(mine.len(), 1);
}
