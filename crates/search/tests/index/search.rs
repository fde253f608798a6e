//! Matching, ranking, visibility, typo tolerance, paging, removal, refusals.

use crate::support::{document, find, find_page, ids, index};
use p2p_kernel::PageRequest;
use p2p_search::{IndexSearch, Kind, SearchParams, SearchScope, SearchService};
use p2p_testkit::{code, member, on_both};
use std::collections::HashSet;

on_both!(
    stemmed_words_match_and_titles_rank_above_bodies,
    drafts_are_found_only_by_their_organization_and_operators,
    a_word_one_typo_away_finds_the_indexed_one,
    typos_at_either_end_and_in_arabic_find_the_word,
    pages_neither_skip_nor_repeat,
    removed_documents_and_trees_are_not_found,
    snippets_mark_the_match_and_escape_html,
    empty_or_oversized_queries_are_refused,
);

async fn stemmed_words_match_and_titles_rank_above_bodies(search: IndexSearch) {
    let viewer = member();
    let org = viewer.org_id.0;
    let in_title = document(
        Kind::Topic,
        org,
        "Hydraulic pumps leaking",
        "Seals wear out.",
        5,
    );
    let in_body = document(
        Kind::Post,
        org,
        "Maintenance log",
        "We replaced the pump seal.",
        1,
    );
    let other = document(
        Kind::Topic,
        org,
        "Cold storage energy",
        "Night pre-cooling.",
        1,
    );
    index(&search, &[in_title.clone(), in_body.clone(), other]).await;

    let hits = find(&search, &viewer, "pump").await;
    assert_eq!(ids(&hits), vec![in_title.id, in_body.id], "{hits:?}");
    let hits = find(&search, &viewer, "PUMPS leaking").await;
    assert_eq!(ids(&hits), vec![in_title.id]);
}

async fn drafts_are_found_only_by_their_organization_and_operators(search: IndexSearch) {
    let owner = member();
    let outsider = member();
    let mut draft = document(
        Kind::UseCase,
        owner.org_id.0,
        "Vision inspection draft",
        "",
        1,
    );
    draft.published = false;
    index(&search, std::slice::from_ref(&draft)).await;

    assert_eq!(
        ids(&find(&search, &owner, "inspection").await),
        vec![draft.id]
    );
    assert!(find(&search, &outsider, "inspection").await.is_empty());
    let mut operator = member();
    operator.is_superuser = true;
    assert_eq!(
        ids(&find(&search, &operator, "inspection").await),
        vec![draft.id]
    );
}

async fn a_word_one_typo_away_finds_the_indexed_one(search: IndexSearch) {
    let viewer = member();
    let doc = document(
        Kind::Topic,
        viewer.org_id.0,
        "Predictive maintenance",
        "",
        1,
    );
    index(&search, std::slice::from_ref(&doc)).await;

    assert_eq!(
        ids(&find(&search, &viewer, "maintenence").await),
        vec![doc.id]
    );
    assert_eq!(
        ids(&find(&search, &viewer, "predcitive").await),
        vec![doc.id]
    );
    // Short words get no tolerance, and two edits are too many.
    assert!(find(&search, &viewer, "maintanence").await.is_empty());
}

/// The typo lookup reads the words sharing the first two or the last two
/// letters: an edit in either pair, a swap across them, a letter more or
/// less at either end, in Arabic too, all find the word; a word two edits
/// off at both ends does not.
async fn typos_at_either_end_and_in_arabic_find_the_word(search: IndexSearch) {
    let viewer = member();
    let doc = document(
        Kind::Topic,
        viewer.org_id.0,
        "Calibration of the compressors",
        "تآكل المضخات الهيدروليكية",
        1,
    );
    // Neighbours that share an affix but are more than one edit away.
    let other = document(
        Kind::Topic,
        viewer.org_id.0,
        "Cancellation of compression",
        "المضغوطة الهيدروجينية",
        2,
    );
    index(&search, &[doc.clone(), other]).await;

    for q in [
        "xalibration",
        "aclibration",
        "calibratoin",
        "calibratiom",
        "alibration",
        "calibrations",
        "compressorz",
        "ompressors",
        "الهيدروليكيت",
        "لهيدروليكية",
        "الهدروليكية",
        "المصخات",
        "لمضخات",
    ] {
        assert_eq!(ids(&find(&search, &viewer, q).await), vec![doc.id], "{q}");
    }
    assert!(find(&search, &viewer, "xalibratiom").await.is_empty());
}

async fn pages_neither_skip_nor_repeat(search: IndexSearch) {
    let viewer = member();
    let docs: Vec<_> = (0..25)
        .map(|i| {
            document(
                Kind::Post,
                viewer.org_id.0,
                &format!("Valve report {i}"),
                "valve",
                i,
            )
        })
        .collect();
    index(&search, &docs).await;

    let mut seen = Vec::new();
    let mut page = PageRequest::first(10);
    loop {
        let result = find_page(&search, &viewer, "valve", page.clone()).await;
        assert!(result.items.len() <= 10);
        seen.extend(ids(&result.items));
        match result.next_cursor {
            Some(cursor) => page = PageRequest::new(Some(10), Some(cursor)).unwrap(),
            None => break,
        }
    }
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(seen.len(), 25);
    assert_eq!(unique.len(), 25);
}

async fn removed_documents_and_trees_are_not_found(search: IndexSearch) {
    let viewer = member();
    let org = viewer.org_id.0;
    let topic = document(Kind::Topic, org, "Compressor noise", "", 3);
    let mut reply = document(
        Kind::Post,
        org,
        "Compressor noise",
        "Mount it on rubber.",
        2,
    );
    reply.parent_id = Some(topic.id);
    let lone = document(Kind::Post, org, "Compressor oil", "", 1);
    index(&search, &[topic.clone(), reply, lone.clone()]).await;
    assert_eq!(find(&search, &viewer, "compressor").await.len(), 3);

    search.index().remove(Kind::Post, lone.id).await.unwrap();
    assert_eq!(find(&search, &viewer, "compressor").await.len(), 2);
    search
        .index()
        .remove_tree(Kind::Topic, topic.id)
        .await
        .unwrap();
    assert!(find(&search, &viewer, "compressor").await.is_empty());
}

async fn snippets_mark_the_match_and_escape_html(search: IndexSearch) {
    let viewer = member();
    let doc = document(
        Kind::Post,
        viewer.org_id.0,
        "Gaskets",
        "Use <script>alert(1)</script> a graphite gasket here.",
        1,
    );
    index(&search, &[doc]).await;

    let hits = find(&search, &viewer, "graphite").await;
    let snippet = &hits[0].snippet;
    assert!(snippet.contains("<mark>graphite</mark>"), "{snippet}");
    assert!(!snippet.contains("<script>"), "{snippet}");
}

async fn empty_or_oversized_queries_are_refused(search: IndexSearch) {
    let viewer = member();
    for q in ["", &"x".repeat(201)] {
        let params = SearchParams {
            q: q.to_owned(),
            ..SearchParams::default()
        };
        let result = search
            .search(&viewer, SearchScope::All, params, PageRequest::first(10))
            .await;
        assert_eq!(code(result), (422, "validation_failed".to_owned()), "{q:?}");
    }
    // Within the length, a query without a word matches nothing.
    for q in ["   ", "!!!"] {
        let params = SearchParams {
            q: q.to_owned(),
            ..SearchParams::default()
        };
        let page = search
            .search(&viewer, SearchScope::All, params, PageRequest::first(10))
            .await
            .unwrap_or_else(|e| panic!("{q:?}: {e}"));
        assert!(page.items.is_empty(), "{q:?}");
    }
    let params = SearchParams {
        q: "pump".to_owned(),
        kind: Some(Kind::User),
        ..SearchParams::default()
    };
    let wrong_kind = search
        .search(&viewer, SearchScope::Forums, params, PageRequest::first(10))
        .await;
    assert_eq!(code(wrong_kind).0, 422);
}
