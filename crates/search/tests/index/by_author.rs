//! What one person wrote, by kind: drafts included, paged by id.

use crate::support::{document, index};
use p2p_search::{IndexSearch, Kind, SearchService};
use p2p_testkit::{member, on_both};
use uuid::Uuid;

on_both!(
    ids_by_author_cover_drafts_and_nothing_of_others,
    ids_by_author_page_without_skips_or_repeats,
);

async fn ids_by_author_cover_drafts_and_nothing_of_others(search: IndexSearch) {
    let me = member();
    let author = Uuid::now_v7();
    let mut draft = document(Kind::UseCase, me.org_id.0, "My draft", "", 3);
    draft.author_id = Some(author);
    draft.published = false;
    let mut published = document(Kind::UseCase, me.org_id.0, "Mine", "", 2);
    published.author_id = Some(author);
    let mut reply = document(Kind::Post, me.org_id.0, "My reply", "", 1);
    reply.author_id = Some(author);
    reply.searchable = false;
    // Another author's draft in the same organization.
    let mut theirs = document(Kind::UseCase, me.org_id.0, "Their draft", "", 1);
    theirs.published = false;
    index(
        &search,
        &[draft.clone(), published.clone(), reply.clone(), theirs],
    )
    .await;

    let index = search.index();
    let cases = index
        .ids_by_author(Kind::UseCase, author, None, 10)
        .await
        .unwrap();
    let mut want = vec![draft.id, published.id];
    want.sort();
    assert_eq!(cases, want);
    let posts = index
        .ids_by_author(Kind::Post, author, None, 10)
        .await
        .unwrap();
    assert_eq!(posts, vec![reply.id]);
    let topics = index
        .ids_by_author(Kind::Topic, author, None, 10)
        .await
        .unwrap();
    assert!(topics.is_empty());
}

async fn ids_by_author_page_without_skips_or_repeats(search: IndexSearch) {
    let me = member();
    let author = Uuid::now_v7();
    let docs: Vec<_> = (0..5)
        .map(|i| {
            let mut d = document(Kind::Topic, me.org_id.0, &format!("Topic {i}"), "", i);
            d.author_id = Some(author);
            d
        })
        .collect();
    index(&search, &docs).await;

    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = search
            .index()
            .ids_by_author(Kind::Topic, author, after, 2)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().copied();
        seen.extend(page);
    }
    let mut want: Vec<_> = docs.iter().map(|d| d.id).collect();
    want.sort();
    assert_eq!(seen, want);
}
