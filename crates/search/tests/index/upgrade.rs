//! Rows an older analysis chain wrote (an upgraded deployment) are found
//! again once re-analyzed from the text the index keeps.

use crate::support::{document, find, ids, index};
use p2p_search::{IndexSearch, Kind, SearchIndex, SearchService};
use p2p_testkit::{Backend, Databases, member};
use sea_orm::ConnectionTrait;

async fn old_rows_are_reanalyzed(backend: Backend) {
    let databases = Databases::open(backend, false).await;
    p2p_testkit::run(databases, |db, _| async move {
        let search = IndexSearch::new(SearchIndex::new(db.clone()));
        let viewer = member();
        let org = viewer.org_id.0;
        let topic = document(Kind::Topic, org, "تآكل المضخّات الهيدروليكية", "", 2);
        let post = document(Kind::Post, org, "Pumps", "الصمامات تسرّب", 1);
        index(&search, &[topic.clone(), post.clone()]).await;
        assert_eq!(search.index().stale().await.unwrap(), 0);
        // What the previous version left: text without terms.
        db.execute_unprepared(
            "UPDATE search_documents SET terms_title = '', terms_tags = '', terms_body = '', analysis = 0",
        )
        .await
        .unwrap();
        db.execute_unprepared("DELETE FROM search_terms").await.unwrap();
        assert!(find(&search, &viewer, "مضخة").await.is_empty());
        assert_eq!(search.index().stale().await.unwrap(), 2);

        assert_eq!(search.index().upgrade().await.unwrap(), 2);
        assert_eq!(search.index().stale().await.unwrap(), 0);
        assert_eq!(ids(&find(&search, &viewer, "مضخة").await), vec![topic.id]);
        assert_eq!(ids(&find(&search, &viewer, "الصمام").await), vec![post.id]);
        // The vocabulary is back too: a typo finds the word.
        assert_eq!(ids(&find(&search, &viewer, "الصمامت").await), vec![post.id]);
        assert_eq!(search.index().upgrade().await.unwrap(), 0);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_rows_are_reanalyzed_on_sqlite() {
    old_rows_are_reanalyzed(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_rows_are_reanalyzed_on_postgresql() {
    old_rows_are_reanalyzed(Backend::Full).await;
}
