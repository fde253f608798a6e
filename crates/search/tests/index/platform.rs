//! The platform's figures from the read model (`search_platform_totals`,
//! kept by triggers) equal the scan of every document they replace, through
//! every kind of write.

use crate::support::{document, index};
use p2p_migration::{Migrator, MigratorTrait};
use p2p_search::{IndexSearch, Kind, PlatformCounts, SearchDocument, SearchService};
use p2p_testkit::on_both;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use uuid::Uuid;

on_both!(
    inserts_and_bulk_upserts_that_mix_inserts_and_updates_are_counted,
    publishing_and_unpublishing_moves_the_count,
    removals_trees_and_clearing_are_counted,
);

/// [`on_both!`] for tests that also take the connection.
macro_rules! on_both_with_connection {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                crate::support::run_with_connection(p2p_testkit::Backend::Sqlite, super::$name).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn full() {
                crate::support::run_with_connection(p2p_testkit::Backend::Full, super::$name).await;
            }
        }
    )+};
}

on_both_with_connection!(
    a_kind_change_moves_the_count_and_a_counter_update_does_not,
    without_its_row_the_figures_are_counted_from_the_documents,
    the_migration_counts_the_documents_already_indexed,
);

/// The read model's figures, after checking that they equal the scan's.
async fn counted(search: &IndexSearch) -> PlatformCounts {
    let read = search.index().platform_counts().await.unwrap();
    let scanned = search.index().platform_counts_scanned().await.unwrap();
    assert_eq!(read, scanned, "the read model equals the scan");
    read
}

fn counts(
    users: u64,
    organizations: u64,
    topics: u64,
    posts: u64,
    use_cases: u64,
) -> PlatformCounts {
    PlatformCounts {
        users,
        organizations,
        topics,
        posts,
        use_cases,
    }
}

fn draft(mut doc: SearchDocument) -> SearchDocument {
    doc.published = false;
    doc
}

/// Users, topics, posts and use cases of two organizations, a draft of each
/// kind among them.
fn corpus(ours: Uuid, theirs: Uuid) -> Vec<SearchDocument> {
    let mut docs = Vec::new();
    for (kind, published, drafts) in [
        (Kind::User, 3, 1),
        (Kind::Topic, 4, 1),
        (Kind::Post, 6, 2),
        (Kind::UseCase, 2, 3),
    ] {
        for i in 0..published {
            let org = if i % 2 == 0 { ours } else { theirs };
            docs.push(document(kind, org, "Published", "", i));
        }
        for i in 0..drafts {
            docs.push(draft(document(kind, ours, "Draft", "", i)));
        }
    }
    docs
}

async fn inserts_and_bulk_upserts_that_mix_inserts_and_updates_are_counted(search: IndexSearch) {
    let (ours, theirs) = (Uuid::now_v7(), Uuid::now_v7());
    assert_eq!(counted(&search).await, PlatformCounts::default());
    let docs = corpus(ours, theirs);
    index(&search, &docs).await;
    // A draft user counts as an organization's member, not as a user.
    assert_eq!(counted(&search).await, counts(3, 2, 4, 6, 2));
    for doc in &docs {
        search.index().upsert(doc).await.unwrap();
    }
    assert_eq!(
        counted(&search).await,
        counts(3, 2, 4, 6, 2),
        "unchanged rewrites"
    );

    // One bulk upsert (several multi-row statements): every existing document
    // again, the drafts published and the published use cases drafted, a
    // counter changed everywhere, and 150 new posts of a third organization.
    let third = Uuid::now_v7();
    let mut bulk: Vec<SearchDocument> = docs
        .iter()
        .cloned()
        .map(|mut doc| {
            doc.metrics.views += 1;
            doc.published = !doc.published || doc.kind != Kind::UseCase;
            doc
        })
        .collect();
    bulk.extend((0..150).map(|i| document(Kind::Post, third, "New", "", i)));
    bulk.push(document(Kind::User, third, "Newcomer", "", 0));
    index(&search, &bulk).await;
    assert_eq!(counted(&search).await, counts(5, 3, 5, 158, 3));
}

async fn publishing_and_unpublishing_moves_the_count(search: IndexSearch) {
    let org = Uuid::now_v7();
    let mut use_case = draft(document(Kind::UseCase, org, "Pump retrofit", "", 1));
    index(&search, &[use_case.clone()]).await;
    assert_eq!(counted(&search).await.use_cases, 0);
    use_case.published = true;
    index(&search, &[use_case.clone()]).await;
    assert_eq!(counted(&search).await.use_cases, 1);
    use_case.published = false;
    index(&search, &[use_case.clone()]).await;
    assert_eq!(counted(&search).await.use_cases, 0);
    use_case.published = true;
    index(&search, &[use_case]).await;
    assert_eq!(counted(&search).await.use_cases, 1);
}

async fn removals_trees_and_clearing_are_counted(search: IndexSearch) {
    let (ours, theirs) = (Uuid::now_v7(), Uuid::now_v7());
    let docs = corpus(ours, theirs);
    let topic = document(Kind::Topic, ours, "Thread", "", 1);
    let replies: Vec<SearchDocument> = (0..3)
        .map(|i| {
            let mut post = document(Kind::Post, ours, "Thread", "", i);
            post.parent_id = Some(topic.id);
            post
        })
        .collect();
    index(&search, &docs).await;
    index(&search, std::slice::from_ref(&topic)).await;
    index(&search, &replies).await;
    assert_eq!(counted(&search).await, counts(3, 2, 5, 9, 2));

    let post = docs
        .iter()
        .find(|d| d.kind == Kind::Post && d.published)
        .unwrap();
    search.index().remove(Kind::Post, post.id).await.unwrap();
    let drafted = docs
        .iter()
        .find(|d| d.kind == Kind::Post && !d.published)
        .unwrap();
    search.index().remove(Kind::Post, drafted.id).await.unwrap();
    search
        .index()
        .remove(Kind::Post, Uuid::now_v7())
        .await
        .unwrap();
    assert_eq!(counted(&search).await, counts(3, 2, 5, 8, 2));

    search
        .index()
        .remove_tree(Kind::Topic, topic.id)
        .await
        .unwrap();
    assert_eq!(counted(&search).await, counts(3, 2, 4, 5, 2));

    let theirs_users: Vec<&SearchDocument> = docs
        .iter()
        .filter(|d| d.kind == Kind::User && d.organization_id == Some(theirs))
        .collect();
    for user in theirs_users {
        search.index().remove(Kind::User, user.id).await.unwrap();
    }
    assert_eq!(
        counted(&search).await,
        counts(2, 1, 4, 5, 2),
        "their last member left"
    );

    search.index().clear().await.unwrap();
    assert_eq!(counted(&search).await, PlatformCounts::default());
    index(&search, &docs).await;
    assert_eq!(
        counted(&search).await,
        counts(3, 2, 4, 6, 2),
        "counted again after a clear"
    );
}

async fn execute(db: &DatabaseConnection, sql: &str) {
    db.execute_unprepared(sql).await.unwrap();
}

async fn a_kind_change_moves_the_count_and_a_counter_update_does_not(
    search: IndexSearch,
    db: DatabaseConnection,
) {
    let (ours, theirs) = (Uuid::now_v7(), Uuid::now_v7());
    index(&search, &corpus(ours, theirs)).await;
    assert_eq!(counted(&search).await, counts(3, 2, 4, 6, 2));

    // The index never changes a document's kind (it is part of the key), but
    // a statement may: two published posts become topics.
    execute(
        &db,
        "UPDATE search_documents SET kind = 'topic'
         WHERE kind = 'post' AND id IN (SELECT id FROM search_documents WHERE kind = 'post'
            ORDER BY published DESC, id LIMIT 2)",
    )
    .await;
    assert_eq!(counted(&search).await, counts(3, 2, 6, 4, 2));
    execute(
        &db,
        "UPDATE search_documents SET views = views + 1, title = 'Edited'",
    )
    .await;
    assert_eq!(counted(&search).await, counts(3, 2, 6, 4, 2));
    execute(
        &db,
        "UPDATE search_documents SET published = 1 WHERE kind = 'use_case'",
    )
    .await;
    assert_eq!(counted(&search).await, counts(3, 2, 6, 4, 5));

    if search.index().is_postgres() {
        execute(&db, "TRUNCATE search_documents").await;
        assert_eq!(
            counted(&search).await,
            PlatformCounts::default(),
            "truncated"
        );
    }
}

async fn without_its_row_the_figures_are_counted_from_the_documents(
    search: IndexSearch,
    db: DatabaseConnection,
) {
    index(&search, &corpus(Uuid::now_v7(), Uuid::now_v7())).await;
    execute(&db, "DELETE FROM search_platform_totals").await;
    assert_eq!(counted(&search).await, counts(3, 2, 4, 6, 2));
    // Nor does a write fail without it.
    index(
        &search,
        &[document(Kind::Topic, Uuid::now_v7(), "After", "", 0)],
    )
    .await;
    assert_eq!(counted(&search).await, counts(3, 2, 5, 6, 2));
}

const PLATFORM_TOTALS: &str = "m20261210_000100_search_platform_totals";

async fn the_migration_counts_the_documents_already_indexed(
    search: IndexSearch,
    db: DatabaseConnection,
) {
    p2p_testkit::migrate_back_before(&db, PLATFORM_TOTALS).await;
    index(&search, &corpus(Uuid::now_v7(), Uuid::now_v7())).await;
    Migrator::up(&db, None).await.unwrap();
    assert_eq!(counted(&search).await, counts(3, 2, 4, 6, 2));
    index(
        &search,
        &[document(Kind::Post, Uuid::now_v7(), "After", "", 0)],
    )
    .await;
    assert_eq!(counted(&search).await, counts(3, 2, 4, 7, 2));
}
