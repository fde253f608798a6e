//! The contract every `UseCaseStore` passes: the relational store on SQLite
//! and on PostgreSQL, and the MongoDB store, each on a fresh database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod stored_json;
mod support;

use futures_util::StreamExt;
use p2p_kernel::DayCount;
use p2p_kernel::ids::{OrgId, UseCaseId, UserId};
use p2p_usecases::{
    ListQuery, Location, Sort, Status, UseCaseDoc, UseCaseFilter, UseCaseStore, UseCaseView,
};
use std::sync::Arc;
use time::macros::{date, datetime};

fn view(
    n: i64,
    org: OrgId,
    industry: &str,
    technology: &[&str],
    tags: &[&str],
    city: &str,
) -> UseCaseView {
    let at = datetime!(2026-03-01 10:00 UTC) + time::Duration::minutes(n);
    UseCaseView {
        id: UseCaseId::new(),
        title: format!("Case {n}"),
        industry: industry.into(),
        technology: technology.iter().map(|s| s.to_string()).collect(),
        problem_statement: format!("problem {n} with 100% scrap_rate"),
        solution: "solution".into(),
        outcomes: Default::default(),
        vendor_info: Default::default(),
        media: Vec::new(),
        location: Some(Location {
            city: city.into(),
            coordinates: None,
        }),
        tags: tags.iter().map(|s| s.to_string()).collect(),
        status: Status::Published,
        submitted_by: UserId::new(),
        organization_id: org,
        view_count: 0,
        revision_count: 0,
        created_at: at,
        updated_at: at,
        published_at: Some(at),
        hidden: false,
    }
}

fn query(filter: UseCaseFilter) -> ListQuery {
    ListQuery::from_filter(&filter, OrgId::new().0)
}

async fn titles(store: &dyn UseCaseStore, q: &ListQuery) -> Vec<String> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store.list(q, after, 2).await.unwrap();
        if page.is_empty() {
            return out;
        }
        after = page.last().map(|d| q.position_of(d));
        out.extend(page.into_iter().map(|d| d.view.title));
    }
}

async fn contract(store: Arc<dyn UseCaseStore>) {
    let (a, b) = (OrgId::new(), OrgId::new());
    let docs: Vec<UseCaseDoc> = vec![
        view(
            1,
            a,
            "Manufacturing",
            &["AI", "IoT"],
            &["maintenance"],
            "Riyadh",
        ),
        view(2, a, "Energy", &["IoT"], &["metering"], "Jeddah"),
        view(
            3,
            b,
            "manufacturing",
            &["ai"],
            &["quality", "maintenance"],
            "riyadh",
        ),
        view(4, b, "Logistics", &["RFID"], &[], "Dammam"),
    ]
    .into_iter()
    .map(UseCaseDoc::new)
    .collect();
    store.insert_many(&docs[..3]).await.unwrap();
    store.insert(&docs[3]).await.unwrap();
    let mut draft = view(5, a, "Energy", &["AI"], &[], "Riyadh");
    draft.status = Status::Draft;
    store.insert(&UseCaseDoc::new(draft)).await.unwrap();

    let got = store.get(docs[0].view.id.0).await.unwrap().unwrap();
    assert_eq!(got, docs[0]);
    assert!(store.get(UseCaseId::new().0).await.unwrap().is_none());
    let wanted = [docs[3].view.id.0, UseCaseId::new().0, docs[0].view.id.0];
    let mut many = store.get_many(&wanted).await.unwrap();
    many.sort_by_key(|d| d.view.title.clone());
    assert_eq!(many, [docs[0].clone(), docs[3].clone()]);
    assert!(store.get_many(&[]).await.unwrap().is_empty());

    // Latest first, paged by cursor; drafts excluded.
    let all = query(UseCaseFilter::default());
    assert_eq!(
        titles(store.as_ref(), &all).await,
        ["Case 4", "Case 3", "Case 2", "Case 1"]
    );
    let filter = |f: UseCaseFilter| query(f);
    let industry = filter(UseCaseFilter {
        industry: Some("MANUFACTURING".into()),
        ..Default::default()
    });
    assert_eq!(
        titles(store.as_ref(), &industry).await,
        ["Case 3", "Case 1"]
    );
    let tech_city = filter(UseCaseFilter {
        technology: Some("ai".into()),
        city: Some("Riyadh".into()),
        ..Default::default()
    });
    assert_eq!(
        titles(store.as_ref(), &tech_city).await,
        ["Case 3", "Case 1"]
    );
    let tag = filter(UseCaseFilter {
        tag: Some("maintenance".into()),
        organization_id: Some(b),
        ..Default::default()
    });
    assert_eq!(titles(store.as_ref(), &tag).await, ["Case 3"]);
    // Words are literal (no LIKE or regex wildcards).
    let words = filter(UseCaseFilter {
        q: Some("100% SCRAP_rate".into()),
        ..Default::default()
    });
    assert_eq!(titles(store.as_ref(), &words).await.len(), 4);
    let wildcard = filter(UseCaseFilter {
        q: Some("sc.ap".into()),
        ..Default::default()
    });
    assert!(titles(store.as_ref(), &wildcard).await.is_empty());
    let drafts = ListQuery::from_filter(
        &UseCaseFilter {
            status: Some(Status::Draft),
            ..Default::default()
        },
        a.0,
    );
    assert_eq!(titles(store.as_ref(), &drafts).await, ["Case 5"]);

    // Facets of the filtered list.
    let facets = store.facets(&all).await.unwrap();
    let pairs = |v: &[p2p_usecases::FacetCount]| {
        v.iter()
            .map(|f| (f.value.clone(), f.count))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        pairs(&facets.industry),
        [
            ("manufacturing".to_owned(), 2),
            ("energy".into(), 1),
            ("logistics".into(), 1)
        ]
    );
    assert_eq!(
        pairs(&facets.technology),
        [("ai".to_owned(), 2), ("iot".into(), 2), ("rfid".into(), 1)]
    );
    assert_eq!(pairs(&facets.tag)[0], ("maintenance".to_owned(), 2));
    assert_eq!(pairs(&facets.city)[0], ("riyadh".to_owned(), 2));
    let facets = store.facets(&industry).await.unwrap();
    assert_eq!(pairs(&facets.city), [("riyadh".to_owned(), 2)]);

    // Concurrent views are all counted; a replace keeps the count.
    let id = docs[1].view.id.0;
    let views = (0..20).map(|_| store.add_view(id));
    for r in futures_util::future::join_all(views).await {
        r.unwrap();
    }
    let mut edited = docs[1].view.clone();
    edited.title = "Case 2 edited".into();
    edited.technology = vec!["Vision".into()];
    assert!(store.replace(&UseCaseDoc::new(edited)).await.unwrap());
    let got = store.get(id).await.unwrap().unwrap();
    assert_eq!(
        (got.view.view_count, got.view.title.as_str()),
        (20, "Case 2 edited")
    );
    let popular = query(UseCaseFilter {
        sort: Sort::Popular,
        ..Default::default()
    });
    assert_eq!(titles(store.as_ref(), &popular).await[0], "Case 2 edited");
    let vision = filter(UseCaseFilter {
        technology: Some("vision".into()),
        ..Default::default()
    });
    assert_eq!(titles(store.as_ref(), &vision).await, ["Case 2 edited"]);
    let iot = filter(UseCaseFilter {
        technology: Some("iot".into()),
        ..Default::default()
    });
    assert_eq!(
        titles(store.as_ref(), &iot).await,
        ["Case 1"],
        "old terms are gone"
    );

    // A scan (where the store has one) yields the list, in its order.
    if let Some(scan) = store.scan(&all, 2).await.unwrap() {
        let scanned: Vec<String> = scan.map(|d| d.unwrap().view.title).collect().await;
        assert_eq!(scanned, titles(store.as_ref(), &all).await);
    }

    // Publications per UTC day (drafts left out), from a given day on.
    let march_1 = |count| DayCount {
        date: date!(2026 - 03 - 01),
        count,
    };
    let since = date!(2026 - 02 - 28);
    assert_eq!(
        store.published_per_day(a.0, since).await.unwrap(),
        [march_1(2)]
    );
    assert_eq!(
        store.published_per_day(b.0, since).await.unwrap(),
        [march_1(2)]
    );
    let after_all = date!(2026 - 03 - 02);
    assert!(
        store
            .published_per_day(a.0, after_all)
            .await
            .unwrap()
            .is_empty()
    );

    // Counting and deleting; hidden use cases are not counted.
    assert_eq!(store.count_by_org(a.0).await.unwrap(), 3);
    let mut hidden = store.get(docs[1].view.id.0).await.unwrap().unwrap();
    hidden.view.hidden = true;
    assert!(store.replace(&hidden).await.unwrap());
    assert_eq!(store.count_by_org(a.0).await.unwrap(), 2);
    assert_eq!(
        store.published_per_day(a.0, since).await.unwrap(),
        [march_1(1)]
    );
    hidden.view.hidden = false;
    assert!(store.replace(&hidden).await.unwrap());
    assert_eq!(store.count_by_org(a.0).await.unwrap(), 3);
    assert!(store.delete(id).await.unwrap());
    assert!(!store.delete(id).await.unwrap());
    assert!(store.get(id).await.unwrap().is_none());
    assert!(titles(store.as_ref(), &vision).await.is_empty());
    assert!(!store.replace(&docs[1]).await.unwrap());
}

p2p_testkit::every_store!(contract);
