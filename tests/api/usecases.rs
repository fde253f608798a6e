//! `/api/v1/use-cases`: drafts and publishing across organizations, edit
//! rights and revisions, media and their files' visibility, filters, facets,
//! sorting and paging, export (at scale: `usecases_export`; view and activity
//! counting: `usecases_stats`).

use crate::files::{api_path, fetch, multipart, png, post_multipart};
use p2p_tests::{Session, TestApp, unique_email};
use serde_json::{Value, json};
use std::collections::BTreeSet;

pub(crate) fn use_case(
    title: &str,
    industry: &str,
    technology: &[&str],
    tags: &[&str],
    city: &str,
) -> Value {
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

pub(crate) async fn create(app: &TestApp, who: &Session, body: &Value) -> Value {
    let resp = app.post("/api/v1/use-cases", who.token(), body).await;
    resp.assert_status(201);
    resp.json
}

pub(crate) async fn create_published(app: &TestApp, who: &Session, body: &Value) -> String {
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
    let (admin, member) = app.admin_and_member("uc-admin", "uc-member").await;
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
    // The organization hears of it (not the publisher, not other
    // organizations), from the publication's outbox event.
    app.settled().await;
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
    let (me, colleague) = app.admin_and_member("uc-media", "uc-media-col").await;
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
    resp.assert_problem(404, "not_found");
    assert_eq!(resp.json["errors"][0]["code"], "unknown_file");

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
pub(crate) fn parse_csv(text: &str) -> Vec<Vec<String>> {
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
pub(crate) async fn wait_for_views(app: &TestApp, who: &Session, id: &str, expected: i64) -> i64 {
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
