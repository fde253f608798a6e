//! A search ranks the newest `CANDIDATES` matches. PostgreSQL looks for them
//! among the newest documents first (`search_recent`); whichever way they are
//! found, both backends rank the same documents.

use crate::support::{document, find_page, index};
use p2p_kernel::{Actor, PageRequest};
use p2p_search::{CANDIDATES, IndexSearch, Kind, SearchDocument, SearchService};
use p2p_testkit::{member, on_both};
use std::collections::HashSet;
use uuid::Uuid;

on_both!(
    the_newest_matches_are_ranked_when_the_newest_documents_hold_them,
    older_matches_are_found_when_the_newest_documents_hold_too_few,
    an_edited_or_removed_document_is_not_found_by_its_old_words,
);

/// `count` documents holding `word`, one a minute, the first `minutes_ago`.
fn holding(org: Uuid, word: &str, count: usize, minutes_ago: i64) -> Vec<SearchDocument> {
    (0..count)
        .map(|i| {
            let age = minutes_ago + i64::try_from(i).unwrap();
            document(Kind::Post, org, &format!("Note {i}"), word, age)
        })
        .collect()
}

/// Every hit of `q` over all its pages.
async fn every_hit(search: &IndexSearch, viewer: &Actor, q: &str) -> Vec<Uuid> {
    let mut found = Vec::new();
    let mut page = PageRequest::first(100);
    loop {
        let result = find_page(search, viewer, q, page.clone()).await;
        found.extend(result.items.iter().map(|h| h.id));
        match result.next_cursor {
            Some(cursor) => page = PageRequest::new(Some(100), Some(cursor)).unwrap(),
            None => return found,
        }
    }
}

fn set(ids: impl IntoIterator<Item = Uuid>) -> HashSet<Uuid> {
    ids.into_iter().collect()
}

async fn the_newest_matches_are_ranked_when_the_newest_documents_hold_them(search: IndexSearch) {
    let viewer = member();
    let candidates = usize::try_from(CANDIDATES).unwrap();
    let docs = holding(viewer.org_id.0, "valve", candidates + 100, 1);
    index(&search, &docs).await;
    // The newest-documents table keeps the newest 250 of 300 (PostgreSQL).
    let removed = search.index().prune_recent(250).await.unwrap();
    let expected_removed = if search.index().is_postgres() { 50 } else { 0 };
    assert_eq!(removed, expected_removed);

    let found = every_hit(&search, &viewer, "valve").await;
    assert_eq!(found.len(), candidates, "every page together");
    let newest = set(docs[..candidates].iter().map(|d| d.id));
    assert_eq!(set(found), newest, "the 200 newest, none older");
}

async fn older_matches_are_found_when_the_newest_documents_hold_too_few(search: IndexSearch) {
    let viewer = member();
    let org = viewer.org_id.0;
    let mut docs = holding(org, "gearbox", 10, 1);
    docs.extend(holding(org, "filler", 300, 20));
    docs.extend(holding(org, "gearbox", 150, 400));
    index(&search, &docs).await;
    // The newest 300 documents hold 10 of the word's 160 matches.
    search.index().prune_recent(300).await.unwrap();

    let found = every_hit(&search, &viewer, "gearbox").await;
    let expected = docs.iter().filter(|d| d.body == "gearbox").map(|d| d.id);
    assert_eq!(set(found), set(expected), "the 10 new and the 150 older");
}

async fn an_edited_or_removed_document_is_not_found_by_its_old_words(search: IndexSearch) {
    let viewer = member();
    let candidates = usize::try_from(CANDIDATES).unwrap();
    let mut docs = holding(viewer.org_id.0, "flange", candidates + 20, 1);
    index(&search, &docs).await;
    // The newest loses its word, the second newest goes.
    docs[0].body = "gasket".to_owned();
    search.index().upsert(&docs[0]).await.unwrap();
    search.index().remove(Kind::Post, docs[1].id).await.unwrap();

    let found = every_hit(&search, &viewer, "flange").await;
    assert_eq!(found.len(), candidates);
    let expected = set(docs[2..candidates + 2].iter().map(|d| d.id));
    assert_eq!(set(found), expected, "the 200 newest still holding it");
    let found = every_hit(&search, &viewer, "gasket").await;
    assert_eq!(found, vec![docs[0].id]);
}
