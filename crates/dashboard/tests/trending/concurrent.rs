//! Refreshes that overlap (two instances, or the periodic refresh beside a
//! change-triggered one) each replace the stored scores whole: none fails,
//! and the table holds one refresh's rows, not a mix or a double.

use p2p_dashboard::trending::{KEEP, refresh};
use p2p_search::{Kind, Metrics, SearchDocument, SearchIndex};
use p2p_testkit::on_both;
use std::collections::HashSet;
use time::OffsetDateTime;
use uuid::Uuid;

on_both!(overlapping_refreshes_each_replace_the_scores_whole);

/// Rounds of overlapping refreshes: each round is one chance for the
/// replacements to interleave.
const ROUNDS: usize = 6;
const AT_ONCE: usize = 4;

async fn overlapping_refreshes_each_replace_the_scores_whole(index: SearchIndex) {
    let now = OffsetDateTime::now_utc();
    // More candidates than are kept: each refresh writes KEEP rows, in
    // several statements.
    let topics: Vec<SearchDocument> = (0..KEEP + 50)
        .map(|i| {
            let i = i as u64;
            let active = now - time::Duration::minutes(i as i64);
            let mut doc = SearchDocument::new(Kind::Topic, Uuid::now_v7(), "Pump upkeep", active);
            doc.metrics = Metrics {
                replies: i % 17,
                upvotes: i % 5,
                participants: 1 + i % 4,
                views: i,
                best_answer: false,
            };
            doc
        })
        .collect();
    index.upsert_many(&topics).await.unwrap();

    for _ in 0..ROUNDS {
        let refreshes = (0..AT_ONCE).map(|_| {
            let index = index.clone();
            tokio::spawn(async move { refresh(&index, OffsetDateTime::now_utc()).await })
        });
        for done in futures_util::future::join_all(refreshes).await {
            assert_eq!(done.unwrap().unwrap(), KEEP);
        }
        let stored = index.trending(None, 10 * KEEP as u64).await.unwrap();
        assert_eq!(stored.len(), KEEP);
        let ids: HashSet<Uuid> = stored.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), KEEP);
        let at: HashSet<OffsetDateTime> = stored.iter().map(|r| r.refreshed_at).collect();
        assert_eq!(at.len(), 1, "rows of one refresh only");
    }
}
