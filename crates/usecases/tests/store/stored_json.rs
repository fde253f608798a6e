//! Use cases as stored JSON: rows written before the JSON-column migration
//! read back unchanged after it, and a stored document that is not a use
//! case is an error (never skipped), on every store.

use crate::view;
use mongodb::bson::doc;
use p2p_kernel::ErrorKind;
use p2p_kernel::ids::OrgId;
use p2p_migration::{Migrator, MigratorTrait};
use p2p_testkit::{Databases, StoreKind};
use p2p_usecases::{
    ListQuery, MongoUseCaseStore, SqlUseCaseStore, UseCaseDoc, UseCaseFilter, UseCaseStore,
};
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use time::OffsetDateTime;
use uuid::Uuid;

const JSON_DOCS: &str = "m20261208_000041_use_case_json";

/// A `use_cases` row with `doc` as given (the old TEXT column, or any JSON).
async fn insert_row(db: &DatabaseConnection, d: &UseCaseDoc, doc: sea_orm::Value) {
    let v = &d.view;
    let columns = [
        "id",
        "organization_id",
        "submitted_by",
        "status",
        "industry_key",
        "city_key",
        "search_text",
        "view_count",
        "sort_time",
        "doc",
        "hidden",
        "created_at",
        "updated_at",
    ];
    let insert = Query::insert()
        .into_table(Alias::new("use_cases"))
        .columns(columns.map(Alias::new))
        .values_panic([
            v.id.0.into(),
            v.organization_id.0.into(),
            v.submitted_by.0.into(),
            v.status.as_str().into(),
            d.keys.industry.clone().into(),
            d.keys.city.clone().into(),
            d.keys.text.clone().into(),
            v.view_count.into(),
            d.keys.sort_time.into(),
            doc.into(),
            false.into(),
            v.created_at.into(),
            v.updated_at.into(),
        ])
        .to_owned();
    db.execute(&insert).await.unwrap();
}

/// A `use_case_revisions` row with the view as the old TEXT column held it.
async fn insert_old_revision(db: &DatabaseConnection, d: &UseCaseDoc) {
    let insert = Query::insert()
        .into_table(Alias::new("use_case_revisions"))
        .columns(["id", "use_case_id", "edited_by", "doc", "edited_at"].map(Alias::new))
        .values_panic([
            Uuid::now_v7().into(),
            d.view.id.0.into(),
            d.view.submitted_by.0.into(),
            serde_json::to_string(&d.view).unwrap().into(),
            OffsetDateTime::now_utc().into(),
        ])
        .to_owned();
    db.execute(&insert).await.unwrap();
}

fn published(org: OrgId) -> ListQuery {
    ListQuery::from_filter(
        &UseCaseFilter {
            organization_id: Some(org),
            ..Default::default()
        },
        org.0,
    )
}

/// A use case with every JSON-shaped field filled: outcomes (with extras),
/// vendor, location with coordinates, Arabic text.
fn full_doc(n: i64, org: OrgId) -> UseCaseDoc {
    let mut v = view(n, org, "التصنيع", &["IoT"], &["صيانة"], "الرياض");
    v.outcomes.cost_savings = Some("١٢٪ أقل".into());
    v.outcomes.extra.insert("scrap".into(), "-40%".into());
    v.vendor_info.name = Some("Vendor \"Q\" & Co".into());
    v.vendor_info.website = Some("https://vendor.example/ar".into());
    if let Some(location) = v.location.as_mut() {
        location.coordinates = Some([24.7136, 46.6753]);
    }
    UseCaseDoc::new(v)
}

async fn old_rows_survive(kind: StoreKind) {
    let databases = Databases::for_store(kind).await;
    p2p_testkit::run(databases, |db, _| async move {
        p2p_testkit::migrate_back_before(&db, JSON_DOCS).await;
        let org = OrgId::new();
        let (a, b) = (full_doc(1, org), full_doc(2, org));
        for d in [&a, &b] {
            insert_row(&db, d, serde_json::to_string(d).unwrap().into()).await;
        }
        insert_old_revision(&db, &a).await;
        Migrator::up(&db, None).await.unwrap();

        let store = SqlUseCaseStore::new(db.clone());
        assert_eq!(store.get(a.view.id.0).await.unwrap(), Some(a.clone()));
        let listed = store.list(&published(org), None, 10).await.unwrap();
        assert_eq!(listed, [b.clone(), a.clone()]);
        let revision = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT doc FROM use_case_revisions",
            ))
            .await
            .unwrap()
            .unwrap();
        let before: serde_json::Value = revision.try_get("", "doc").unwrap();
        assert_eq!(before, serde_json::to_value(&a.view).unwrap());
        if db.get_database_backend() == DbBackend::Postgres {
            let types = db
                .query_all_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT data_type FROM information_schema.columns \
                     WHERE column_name = 'doc' AND table_name LIKE 'use_case%'",
                ))
                .await
                .unwrap();
            let types: Vec<String> = types
                .iter()
                .map(|r| r.try_get("", "data_type").unwrap())
                .collect();
            assert_eq!(types, ["jsonb", "jsonb"]);
        }
        // Written and read again through the JSON column.
        let mut edited = a.clone();
        edited.view.outcomes.roi_timeline = Some("18 شهرا".into());
        assert!(store.replace(&edited).await.unwrap());
        assert_eq!(store.get(a.view.id.0).await.unwrap(), Some(edited));
    })
    .await;
}

async fn rows_that_are_not_json_stop_the_migration(kind: StoreKind) {
    let databases = Databases::for_store(kind).await;
    p2p_testkit::run(databases, |db, _| async move {
        p2p_testkit::migrate_back_before(&db, JSON_DOCS).await;
        let d = full_doc(1, OrgId::new());
        insert_row(&db, &d, "{\"title\": \"cut off".into()).await;
        let failed = Migrator::up(&db, None).await.unwrap_err();
        assert!(failed.to_string().contains("use_cases.doc"), "{failed}");
    })
    .await;
}

/// Valid JSON that is not a use case: reading it is an internal error.
async fn corrupt_documents_are_errors(kind: StoreKind) {
    let databases = Databases::for_store(kind).await;
    p2p_testkit::run(databases, |db, mongo| async move {
        let org = OrgId::new();
        let d = full_doc(1, org);
        let store: Box<dyn UseCaseStore> = match mongo {
            Some(mongo) => {
                let store = MongoUseCaseStore::init(&mongo).await.unwrap();
                let raw = mongo.collection::<mongodb::bson::Document>("use_cases");
                let broken = doc! {
                    "_id": d.view.id.0.to_string(),
                    "organization_id": org.0.to_string(),
                    "status": "published",
                    "title": 5,
                    "keys": { "sort_time": d.keys.sort_time },
                };
                raw.insert_one(broken).await.unwrap();
                Box::new(store)
            }
            None => {
                let broken = serde_json::json!({ "title": 5, "outcomes": "12%" });
                insert_row(&db, &d, broken.into()).await;
                Box::new(SqlUseCaseStore::new(db.clone()))
            }
        };
        let got = store.get(d.view.id.0).await.unwrap_err();
        assert_eq!(got.kind_of(), ErrorKind::Internal);
        let listed = store.list(&published(org), None, 10).await.unwrap_err();
        assert_eq!(listed.kind_of(), ErrorKind::Internal);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_rows_survive_the_json_migration_on_sqlite() {
    old_rows_survive(StoreKind::SqlOnSqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_rows_survive_the_json_migration_on_postgres() {
    old_rows_survive(StoreKind::SqlOnPostgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_that_are_not_json_stop_the_migration_on_sqlite() {
    rows_that_are_not_json_stop_the_migration(StoreKind::SqlOnSqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_that_are_not_json_stop_the_migration_on_postgres() {
    rows_that_are_not_json_stop_the_migration(StoreKind::SqlOnPostgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_documents_are_errors_on_sqlite() {
    corrupt_documents_are_errors(StoreKind::SqlOnSqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_documents_are_errors_on_postgres() {
    corrupt_documents_are_errors(StoreKind::SqlOnPostgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_documents_are_errors_on_mongodb() {
    corrupt_documents_are_errors(StoreKind::Mongo).await;
}
