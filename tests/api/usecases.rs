//! `/api/v1/use-cases`: drafts and publishing across organizations, edit
//! rights and revisions, media and their files' visibility, filters, facets,
//! sorting and paging, view counting under concurrency, export.

use crate::files::{api_path, fetch, multipart, png, post_multipart};
use p2p_kernel::ids::{OrgId, UseCaseId, UserId};
use p2p_tests::{Session, TestApp, unique_email};
use p2p_usecases::{Status, UseCaseDoc, UseCaseView};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use time::OffsetDateTime;

fn use_case(title: &str, industry: &str, technology: &[&str], tags: &[&str], city: &str) -> Value {
    json!({
        "title": title,
        "industry": industry,
        "technology": technology,
        "problem_statement": format!("Problem of {title}: scrap rate, \"quoted\", commas, and\nnew lines"),
        "solution": format!("Solution for {title}"),
        "outcomes": {"cost_savings": "20%", "efficiency_gain": "30%", "roi_timeline": "6 months", "extra": {"downtime": "-15%"}},
        "vendor_info": {"name": "Vendor, Inc.", "contact": "sales@vendor.example"},
        "location": {"city": city, "coordinates": [24.7136, 46.6753]},
        "tags": tags,
    })
}

async fn create(app: &TestApp, who: &Session, body: &Value) -> Value {
    let resp = app.post("/api/v1/use-cases", who.token(), body).await;
    resp.assert_status(201);
    resp.json
}

async fn create_published(app: &TestApp, who: &Session, body: &Value) -> String {
    let id = create(app, who, body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(
        &format!("/api/v1/use-cases/{id}/publish"),
        who.token(),
        &json!({}),
    )
    .await
    .assert_status(200);
    id
}

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn drafts_stay_in_their_organization_until_published() {
    let app = TestApp::spawn().await;
    let admin = app.signup(&unique_email("uc-admin")).await;
    let member = app
        .invite_and_join(&admin, &unique_email("uc-member"), "member")
        .await;
    let outsider = app.signup(&unique_email("uc-outsider")).await;

    let draft = create(
        &app,
        &member,
        &use_case(
            "Vision QA",
            "Manufacturing",
            &["AI"],
            &["quality"],
            "Riyadh",
        ),
    )
    .await;
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["outcomes"]["extra"]["downtime"], "-15%");
    let id = draft["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/use-cases/{id}");

    app.get(&path, admin.token()).await.assert_status(200);
    app.get(&path, outsider.token())
        .await
        .assert_problem(404, "not_found");
    app.patch(&path, outsider.token(), &json!({"title": "Hijacked"}))
        .await
        .assert_problem(404, "not_found");
    let list = app.get("/api/v1/use-cases", outsider.token()).await;
    assert!(!ids(&list.json).contains(&id), "drafts are not listed");
    let drafts = app
        .get("/api/v1/use-cases?status=draft", admin.token())
        .await;
    assert_eq!(ids(&drafts.json), vec![id.clone()]);
    let drafts = app
        .get("/api/v1/use-cases?status=draft", outsider.token())
        .await;
    assert!(ids(&drafts.json).is_empty());

    // Publishing: the submitter (or an admin); then everyone sees it.
    app.post(&format!("{path}/publish"), outsider.token(), &json!({}))
        .await
        .assert_problem(404, "not_found");
    let published = app
        .post(&format!("{path}/publish"), member.token(), &json!({}))
        .await;
    published.assert_status(200);
    assert_eq!(published.json["status"], "published");
    assert!(published.json["published_at"].is_string());
    app.post(&format!("{path}/publish"), admin.token(), &json!({}))
        .await
        .assert_problem(409, "already_published");
    // The organization hears of it (not the publisher, not other organizations).
    let published_notes = |who: &Session| {
        let path = "/api/v1/notifications?limit=100".to_owned();
        let token = who.access.clone();
        let app = &app;
        async move {
            let resp = app.get(&path, Some(&token)).await;
            resp.assert_status(200);
            resp.json["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|n| n["kind"] == "use_case_published")
                .cloned()
                .collect::<Vec<_>>()
        }
    };
    let notes = published_notes(&admin).await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["data"]["use_case_id"], id.as_str());
    assert!(published_notes(&member).await.is_empty());
    assert!(published_notes(&outsider).await.is_empty());
    let seen = app.get(&path, outsider.token()).await;
    seen.assert_status(200);
    assert_eq!(seen.json["title"], "Vision QA");
    let list = app.get("/api/v1/use-cases", outsider.token()).await;
    assert!(ids(&list.json).contains(&id));

    // Edits: outsiders may see but not edit; a published edit keeps a revision.
    app.patch(&path, outsider.token(), &json!({"title": "Hijacked"}))
        .await
        .assert_problem(403, "forbidden");
    let edited = app
        .patch(
            &path,
            admin.token(),
            &json!({"title": "Vision QA v2", "location": null}),
        )
        .await;
    edited.assert_status(200);
    assert_eq!(edited.json["title"], "Vision QA v2");
    assert_eq!(edited.json["location"], Value::Null);
    assert_eq!(edited.json["revision_count"], 1);
    let revisions = app
        .get(&format!("{path}/revisions"), outsider.token())
        .await;
    revisions.assert_status(200);
    assert_eq!(revisions.json[0]["before"]["title"], "Vision QA");

    // Organization statistics count it.
    let stats = app.get("/api/v1/organizations/stats", admin.token()).await;
    stats.assert_status(200);
    assert!(stats.text.contains("\"use_cases\":1"), "{}", stats.text);

    // Deleting: outsiders cannot; the submitter can.
    app.delete(&path, outsider.token())
        .await
        .assert_problem(403, "forbidden");
    app.delete(&path, member.token()).await.assert_status(204);
    app.get(&path, admin.token())
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}

#[tokio::test]
async fn invalid_use_cases_are_refused() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("uc-invalid")).await;
    let mut body = use_case("Ok title", "Energy", &["IoT"], &[], "Jeddah");
    body["location"]["coordinates"] = json!([91.0, 46.0]);
    let resp = app.post("/api/v1/use-cases", me.token(), &body).await;
    resp.assert_problem(422, "validation_failed");
    assert_eq!(resp.json["errors"][0]["field"], "location.coordinates[0]");
    body["location"]["coordinates"] = json!([24.0, -181.0]);
    body["title"] = json!("  ");
    let resp = app.post("/api/v1/use-cases", me.token(), &body).await;
    resp.assert_problem(422, "validation_failed");
    let fields: BTreeSet<_> = resp.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        fields,
        BTreeSet::from(["location.coordinates[1]".to_owned(), "title".to_owned()])
    );
    let resp = app
        .post(
            "/api/v1/use-cases",
            me.token(),
            &json!({"title": "No industry"}),
        )
        .await;
    resp.assert_problem(422, "validation_failed");
    let list = app.get("/api/v1/use-cases?status=draft", me.token()).await;
    assert!(ids(&list.json).is_empty(), "nothing was stored");
    app.stop().await;
}

#[tokio::test]
async fn media_files_follow_the_use_case_visibility() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("uc-media")).await;
    let colleague = app
        .invite_and_join(&me, &unique_email("uc-media-col"), "member")
        .await;
    let outsider = app.signup(&unique_email("uc-media-out")).await;

    let image = png(50_000);
    let upload = post_multipart(
        &app,
        "/api/v1/files",
        &me,
        multipart("line.png", "image/png", &image),
    )
    .await;
    upload.assert_status(201);
    let file_id = upload.json["id"].as_str().unwrap().to_owned();
    let file_path = api_path(upload.json["url"].as_str().unwrap());

    let mut body = use_case("Media case", "Logistics", &["RFID"], &[], "Dammam");
    body["media"] = json!([{"file_id": file_id, "caption": "Line 3"}]);
    let created = create(&app, &me, &body).await;
    assert_eq!(created["media"][0]["type"], "image");
    assert_eq!(created["media"][0]["caption"], "Line 3");
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/use-cases/{id}");

    // A file cannot be claimed twice, nor someone else's.
    let mut other = use_case("Thief", "Logistics", &[], &[], "Dammam");
    other["media"] = json!([{"file_id": file_id}]);
    let resp = app.post("/api/v1/use-cases", me.token(), &other).await;
    resp.assert_problem(422, "validation_failed");
    assert_eq!(resp.json["errors"][0]["code"], "already_attached");
    let resp = app
        .post("/api/v1/use-cases", outsider.token(), &other)
        .await;
    assert_eq!(resp.json["errors"][0]["code"], "already_attached");

    // Draft: its organization sees the file, another organization does not.
    assert_eq!(fetch(&app, &file_path, &colleague).await, image);
    app.get(&file_path, outsider.token())
        .await
        .assert_problem(404, "not_found");

    // Multipart media upload appends; documents are not media.
    let video = {
        let mut v = b"\0\0\0\x18ftypisom\0\0\x02\0".to_vec();
        v.extend(vec![7u8; 4000]);
        v
    };
    let added = post_multipart(
        &app,
        &format!("{path}/media?caption=Clip"),
        &me,
        multipart("clip.mp4", "video/mp4", &video),
    )
    .await;
    added.assert_status(200);
    assert_eq!(added.json["media"].as_array().unwrap().len(), 2);
    assert_eq!(added.json["media"][1]["type"], "video");
    let clip_path = api_path(added.json["media"][1]["url"].as_str().unwrap());
    let pdf = b"%PDF-1.4\n%....\n".repeat(10);
    post_multipart(
        &app,
        &format!("{path}/media"),
        &me,
        multipart("a.pdf", "application/pdf", &pdf),
    )
    .await
    .assert_problem(415, "unsupported_media_type");
    post_multipart(
        &app,
        &format!("{path}/media"),
        &outsider,
        multipart("x.png", "image/png", &image),
    )
    .await
    .assert_problem(404, "not_found");

    // Published: everyone signed in.
    app.post(&format!("{path}/publish"), me.token(), &json!({}))
        .await
        .assert_status(200);
    assert_eq!(fetch(&app, &file_path, &outsider).await, image);
    assert_eq!(fetch(&app, &clip_path, &outsider).await, video);

    // Dropping a medium in an edit, then deleting the use case: files unreachable.
    let edited = app
        .patch(
            &path,
            me.token(),
            &json!({"media": [{"file_id": file_id, "caption": "Line 3"}]}),
        )
        .await;
    edited.assert_status(200);
    assert_eq!(edited.json["media"].as_array().unwrap().len(), 1);
    app.delete(&path, me.token()).await.assert_status(204);
    app.get(&file_path, me.token())
        .await
        .assert_problem(404, "not_found");
    app.get(&file_path, outsider.token())
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}

/// Minimal RFC 4180 reader (quoted fields, doubled quotes, CRLF).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

#[tokio::test]
async fn filters_facets_sorting_paging_and_export() {
    let app = TestApp::spawn().await;
    let a = app.signup(&unique_email("uc-list-a")).await;
    let b = app.signup(&unique_email("uc-list-b")).await;
    let specs = [
        (
            "Predictive pumps",
            "Manufacturing",
            vec!["AI", "IoT"],
            vec!["maintenance"],
            "Riyadh",
            &a,
        ),
        (
            "Smart meters",
            "Energy",
            vec!["IoT"],
            vec!["metering", "maintenance"],
            "Jeddah",
            &a,
        ),
        (
            "Cold chain, tracked",
            "Logistics",
            vec!["RFID"],
            vec!["tracking"],
            "Dammam",
            &b,
        ),
        (
            "Weld vision",
            "manufacturing",
            vec!["ai", "Vision"],
            vec!["quality"],
            "riyadh",
            &b,
        ),
        (
            "Route planner",
            "Logistics",
            vec!["AI"],
            vec!["tracking"],
            "Riyadh",
            &a,
        ),
    ];
    let mut created = Vec::new();
    for (title, industry, tech, tags, city, who) in &specs {
        created
            .push(create_published(&app, who, &use_case(title, industry, tech, tags, city)).await);
    }
    // A draft matches no list.
    create(
        &app,
        &a,
        &use_case(
            "Hidden draft",
            "Manufacturing",
            &["AI"],
            &["maintenance"],
            "Riyadh",
        ),
    )
    .await;
    let (app_ref, a_ref) = (&app, &a);
    let list = |query: &str| {
        let path = format!("/api/v1/use-cases?{query}");
        async move {
            let resp = app_ref.get(&path, a_ref.token()).await;
            resp.assert_status(200);
            resp.json
        }
    };
    let set = |v: &Value| ids(v).into_iter().collect::<BTreeSet<_>>();
    let expect = |idx: &[usize]| {
        idx.iter()
            .map(|i| created[*i].clone())
            .collect::<BTreeSet<_>>()
    };

    // Latest first.
    let all = list("limit=100").await;
    assert_eq!(ids(&all), created.iter().rev().cloned().collect::<Vec<_>>());
    assert_eq!(set(&list("industry=MANUFACTURING").await), expect(&[0, 3]));
    assert_eq!(set(&list("technology=ai").await), expect(&[0, 3, 4]));
    assert_eq!(set(&list("tag=maintenance").await), expect(&[0, 1]));
    assert_eq!(set(&list("city=Riyadh").await), expect(&[0, 3, 4]));
    assert_eq!(
        set(&list(&format!("organization_id={}", b.org_id)).await),
        expect(&[2, 3])
    );
    assert_eq!(set(&list("q=cold%20tracked").await), expect(&[2]));
    assert_eq!(
        set(&list("technology=AI&city=riyadh&industry=logistics").await),
        expect(&[4])
    );
    assert!(ids(&list("q=nothing-like-this").await).is_empty());

    // Facets count the filtered list per value.
    let facets = &all["facets"];
    let count = |facet: &str, value: &str| {
        facets[facet]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["value"] == value)
            .map(|f| f["count"].as_u64().unwrap())
    };
    assert_eq!(count("industry", "manufacturing"), Some(2));
    assert_eq!(count("industry", "logistics"), Some(2));
    assert_eq!(count("industry", "energy"), Some(1));
    assert_eq!(count("technology", "ai"), Some(3));
    assert_eq!(count("technology", "iot"), Some(2));
    assert_eq!(count("tag", "tracking"), Some(2));
    assert_eq!(count("city", "riyadh"), Some(3));
    let filtered = list("city=riyadh").await;
    let industry = &filtered["facets"]["industry"];
    assert_eq!(industry[0], json!({"value": "manufacturing", "count": 2}));
    assert_eq!(industry[1], json!({"value": "logistics", "count": 1}));

    let bare = list("facets=false").await;
    assert_eq!(ids(&bare), ids(&all));
    assert_eq!(bare["facets"]["industry"], json!([]));

    // Paging: every item once.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(c) => format!("limit=2&cursor={c}"),
            None => "limit=2".to_owned(),
        };
        let page = list(&query).await;
        paged.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, ids(&all));
    app.get("/api/v1/use-cases?cursor=garbage", a.token())
        .await
        .assert_problem(422, "validation_failed");

    // Popular: most viewed first.
    app.get(&format!("/api/v1/use-cases/{}", created[2]), b.token())
        .await
        .assert_status(200);
    wait_for_views(&app, &a, &created[2], 1).await;
    let popular = list("sort=popular").await;
    assert_eq!(ids(&popular)[0], created[2]);

    // Export: CSV parsed back equals the list, JSON too.
    let csv = app
        .client
        .get(app.url("/api/v1/use-cases/export?format=csv&technology=ai"))
        .bearer_auth(&a.access)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let rows = parse_csv(&csv.text().await.unwrap());
    let listed = list("technology=ai&limit=100").await;
    assert_eq!(rows[0][0..3], ["id", "title", "industry"]);
    assert_eq!(rows.len(), 1 + ids(&listed).len());
    for (row, item) in rows[1..].iter().zip(listed["items"].as_array().unwrap()) {
        assert_eq!(row[0], item["id"].as_str().unwrap());
        assert_eq!(row[1], item["title"].as_str().unwrap());
        assert_eq!(row[2], item["industry"].as_str().unwrap());
        assert_eq!(
            row[4],
            item["problem_statement"].as_str().unwrap(),
            "quotes, commas, new lines survive"
        );
        assert_eq!(row[9], "Vendor, Inc.");
        assert_eq!(row[12], "24.7136");
    }
    let exported = app
        .client
        .get(app.url("/api/v1/use-cases/export?format=json"))
        .bearer_auth(&a.access)
        .send()
        .await
        .unwrap();
    let exported: Value = exported.json().await.unwrap();
    let exported_ids: Vec<String> = exported
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(exported_ids, ids(&list("limit=100").await));
    app.get("/api/v1/use-cases/export?format=xml", a.token())
        .await
        .assert_problem(422, "validation_failed");
    app.stop().await;
}

/// Waits (bounded) until the view count reaches `expected`, then returns it.
async fn wait_for_views(app: &TestApp, who: &Session, id: &str, expected: i64) -> i64 {
    let mut seen = -1;
    for _ in 0..100 {
        // The list does not count views; the detail of another user would.
        let list = app.get("/api/v1/use-cases?limit=100", who.token()).await;
        seen = list.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| i["view_count"].as_i64().unwrap())
            .unwrap_or(-1);
        if seen >= expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    seen
}

#[tokio::test]
async fn views_count_once_per_user_per_day_under_concurrency() {
    let app = TestApp::spawn().await;
    let owner = app.signup(&unique_email("uc-views")).await;
    let viewer = app.signup(&unique_email("uc-viewer")).await;
    let id = create_published(
        &app,
        &owner,
        &use_case("Viewed", "Energy", &[], &[], "Riyadh"),
    )
    .await;
    let path = format!("/api/v1/use-cases/{id}");
    let (a, b) = tokio::join!(burst(&app, &path, &owner), burst(&app, &path, &viewer));
    assert!(a.iter().chain(b.iter()).all(|r| r.status == 200));
    assert_eq!(wait_for_views(&app, &owner, &id, 2).await, 2);
    // More requests the same day change nothing.
    burst(&app, &path, &viewer).await;
    let third = app.signup(&unique_email("uc-viewer3")).await;
    app.get(&path, third.token()).await.assert_status(200);
    assert_eq!(
        wait_for_views(&app, &owner, &id, 3).await,
        3,
        "one more user, one more view"
    );
    app.stop().await;
}

/// Twelve concurrent `GET`s of `path` by `who`.
async fn burst(app: &TestApp, path: &str, who: &Session) -> Vec<p2p_tests::Response> {
    let requests: Vec<_> = (0..12).map(|_| app.get(path, who.token())).collect();
    futures_util::future::join_all(requests).await
}

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
    })
}

/// Every page of the list by cursor: (id, title) in order.
async fn all_pages(app: &TestApp, who: &Session, query: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/use-cases?{query}&limit=100&facets=false");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = app.get(&path, who.token()).await;
        page.assert_status(200);
        for item in page.json["items"].as_array().unwrap() {
            out.push((
                item["id"].as_str().unwrap().to_owned(),
                item["title"].as_str().unwrap().to_owned(),
            ));
        }
        match page.json["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
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

#[tokio::test]
async fn organization_activity_counts_publications_per_day() {
    let app = TestApp::spawn().await;
    let a = app.signup(&unique_email("uc-stats")).await;
    for title in ["First", "Second"] {
        create_published(
            &app,
            &a,
            &use_case(title, "Energy", &["IoT"], &[], "Riyadh"),
        )
        .await;
    }
    create(
        &app,
        &a,
        &use_case("Draft", "Energy", &["IoT"], &[], "Riyadh"),
    )
    .await;
    let stats = app.get("/api/v1/organizations/stats", a.token()).await;
    stats.assert_status(200);
    let activity = stats.json["activity"].as_array().unwrap();
    assert_eq!(activity.len(), 30);
    let today = OffsetDateTime::now_utc().date().to_string();
    let last = activity.last().unwrap();
    assert_eq!(last["date"], today.as_str());
    assert_eq!(last["count"], 2, "drafts are not counted");
    assert_eq!(
        activity
            .iter()
            .map(|d| d["count"].as_u64().unwrap())
            .sum::<u64>(),
        2
    );
    assert_eq!(stats.json["use_cases"], 3);
    app.stop().await;
}
