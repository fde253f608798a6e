//! Script never comes back: a battery of XSS payloads is written into every
//! user-writable text field (forum, use cases, messages, profile,
//! organization, file names), then every answer — to the writes and to the
//! reads that show them (lists, details, revisions, exports, search,
//! dashboards, conversations, notifications) — is scanned by `xss_scan`.
//! Legitimate text (Arabic, `a < b`, code) still reads as written.

use crate::files::{multipart, png, post_multipart};
use crate::usecases::use_case;
use crate::xss_scan::assert_no_active_content;
use p2p_tests::{Response, Session, TestApp, unique_email};
use serde_json::{Value, json};

const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "[x](javascript:alert(1))",
    "[x](  JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "<javascript:alert(1)>",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "<div onclick=\"alert(1)\">x</div>",
    "<<script>script>alert(1)<</script>/script>",
    "<a href=\"java&#x09;script:alert(1)\">x</a>",
    "<details open ontoggle=alert(1)>x</details>",
    "> <div\n> onmouseover=\"alert(1)\">x</div>",
    "javascript:alert(1)",
    "  JaVaScRiPt:alert(1)",
];

/// Sends, scans the answer and returns it.
fn scanned(what: &str, resp: Response) -> Response {
    assert!(resp.status < 500, "{what}: {} {}", resp.status, resp.text);
    assert_no_active_content(what, &resp.text);
    resp
}

async fn get(app: &TestApp, who: &Session, path: &str) -> Response {
    let resp = app.get(path, who.token()).await;
    scanned(&format!("GET {path}"), resp)
}

/// `value` at `pointer` in a copy of `base` (objects created as needed).
fn with(base: &Value, pointer: &str, value: Value) -> Value {
    let mut body = base.clone();
    let mut at = &mut body;
    for key in pointer.split('/').filter(|k| !k.is_empty()) {
        at = match key.parse::<usize>() {
            Ok(i) => &mut at[i],
            Err(_) => &mut at[key],
        };
    }
    *at = value;
    body
}

#[tokio::test]
async fn no_response_ever_carries_script() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("xss-writer")).await;
    let reader = app.signup(&unique_email("xss-reader")).await;

    let topic = app
        .post(
            "/api/v1/forums/topics",
            me.token(),
            &json!({"title": "A topic to reply to", "content": "first"}),
        )
        .await;
    topic.assert_status(201);
    let topic_id = topic.json["topic"]["id"].as_str().unwrap().to_owned();
    let first_post = topic.json["first_post"]["id"].as_str().unwrap().to_owned();
    let mut topics = vec![topic_id.clone()];
    let base_topic = json!({"title": "A benign title", "content": "benign", "category": "Safety", "tags": ["ok"]});
    let base_case = use_case("Benign case", "Energy", &["IoT"], &["ok"], "Riyadh");
    let mut cases = Vec::new();

    for (n, p) in PAYLOADS.iter().enumerate() {
        let p = *p;
        // Forum: every field of a topic, replies, edits.
        for (field, value) in [
            ("/title", json!(format!("Topic {n} {p}"))),
            ("/content", json!(p)),
            ("/category", json!(p)),
            ("/tags/0", json!(p)),
        ] {
            let resp = app
                .post(
                    "/api/v1/forums/topics",
                    me.token(),
                    &with(&base_topic, field, value),
                )
                .await;
            let resp = scanned(&format!("topic {field} {p:?}"), resp);
            if let Some(id) = resp.json["topic"]["id"].as_str() {
                topics.push(id.to_owned());
            }
        }
        let reply = app
            .post(
                &format!("/api/v1/forums/topics/{topic_id}/posts"),
                me.token(),
                &json!({"content": p}),
            )
            .await;
        scanned(&format!("reply {p:?}"), reply);
        let edit = app
            .patch(
                &format!("/api/v1/forums/posts/{first_post}"),
                me.token(),
                &json!({"content": format!("edit {n}: {p}")}),
            )
            .await;
        scanned(&format!("edit {p:?}"), edit);
        let retitle = app
            .patch(
                &format!("/api/v1/forums/topics/{topic_id}"),
                me.token(),
                &json!({"title": format!("Retitled {n} {p}")}),
            )
            .await;
        scanned(&format!("retitle {p:?}"), retitle);

        // Use cases: every text field.
        for field in [
            "/title",
            "/industry",
            "/technology/0",
            "/problem_statement",
            "/solution",
            "/outcomes/cost_savings",
            "/outcomes/extra/note",
            "/vendor_info/name",
            "/vendor_info/contact",
            "/vendor_info/website",
            "/location/city",
            "/tags/0",
        ] {
            let resp = app
                .post(
                    "/api/v1/use-cases",
                    me.token(),
                    &with(&base_case, field, json!(p)),
                )
                .await;
            let resp = scanned(&format!("use case {field} {p:?}"), resp);
            if let Some(id) = resp.json["id"].as_str() {
                cases.push(id.to_owned());
            }
        }
        let mut extra = base_case.clone();
        extra["outcomes"]["extra"] = json!({ p: "value" });
        let resp = app.post("/api/v1/use-cases", me.token(), &extra).await;
        scanned(&format!("use case outcome name {p:?}"), resp);

        // Keys and values that fail to deserialize are named in the error.
        let mut unknown = base_case.clone();
        unknown[p] = json!(1);
        unknown["vendor_info"][p] = json!(1);
        for body in [unknown, with(&base_case, "/location", json!(p))] {
            let resp = app.post("/api/v1/use-cases", me.token(), &body).await;
            scanned(&format!("undeserializable {p:?}"), resp);
        }

        // Messages.
        let sent = app
            .post(
                "/api/v1/messages",
                me.token(),
                &json!({"recipient_id": reader.user_id, "content": p}),
            )
            .await;
        scanned(&format!("message {p:?}"), sent);

        // Profile and organization.
        for field in ["first_name", "last_name", "job_title", "bio"] {
            let resp = app
                .patch("/api/v1/users/me", me.token(), &json!({ field: p }))
                .await;
            scanned(&format!("profile {field} {p:?}"), resp);
        }
        for field in [
            "name",
            "industry",
            "size",
            "country",
            "city",
            "description",
            "website",
            "logo_url",
        ] {
            let resp = app
                .patch(
                    "/api/v1/organizations/current",
                    me.token(),
                    &json!({ field: p }),
                )
                .await;
            scanned(&format!("organization {field} {p:?}"), resp);
        }

        // File names (multipart headers cannot carry quotes or line breaks).
        if !p.contains(['"', '\n']) {
            let upload = post_multipart(
                &app,
                "/api/v1/files",
                &me,
                multipart(&format!("{p}.png"), "image/png", &png(64)),
            )
            .await;
            let upload = scanned(&format!("file name {p:?}"), upload);
            if let Some(id) = upload.json["id"].as_str() {
                let attached = app
                    .post(
                        &format!("/api/v1/forums/topics/{topic_id}/posts"),
                        me.token(),
                        &json!({"content": "with a file", "attachments": [id]}),
                    )
                    .await;
                scanned(&format!("attached file {p:?}"), attached);
            }
        }
        let presigned = app
            .post(
                "/api/v1/files/presign",
                me.token(),
                &json!({"filename": format!("{p}.png"), "content_type": "image/png", "size": 64}),
            )
            .await;
        scanned(&format!("presigned file name {p:?}"), presigned);
    }

    // Everything that shows what was written, to its author and to others.
    for id in &cases {
        let path = format!("/api/v1/use-cases/{id}");
        get(&app, &me, &path).await;
        app.post(&format!("{path}/publish"), me.token(), &json!({}))
            .await;
        get(&app, &reader, &path).await;
        get(&app, &me, &format!("{path}/revisions")).await;
    }
    for id in &topics {
        get(&app, &me, &format!("/api/v1/forums/topics/{id}")).await;
        get(&app, &reader, &format!("/api/v1/forums/topics/{id}")).await;
    }
    get(
        &app,
        &me,
        &format!("/api/v1/forums/posts/{first_post}/revisions"),
    )
    .await;
    // What follows the posts (notifications, search index) is done.
    app.settled().await;
    for path in [
        "/api/v1/forums/topics?limit=100",
        "/api/v1/forums/topics?sort=trending&limit=100",
        "/api/v1/use-cases?limit=100",
        "/api/v1/use-cases?status=draft&limit=100",
        "/api/v1/use-cases/export?format=json",
        "/api/v1/use-cases/export?format=csv",
        "/api/v1/users/me",
        "/api/v1/organizations/current",
        "/api/v1/organizations/members",
        "/api/v1/messages",
        &format!("/api/v1/messages/{}", reader.user_id),
        "/api/v1/search?q=alert",
        "/api/v1/search?q=script",
        "/api/v1/search/forums?q=topic",
        "/api/v1/dashboard/activity",
        "/api/v1/dashboard/trending",
        "/api/v1/notifications?limit=100",
    ] {
        get(&app, &me, path).await;
    }
    for path in [
        "/api/v1/messages",
        &format!("/api/v1/messages/{}", me.user_id),
        &format!("/api/v1/users/{}", me.user_id),
        "/api/v1/notifications?limit=100",
        "/api/v1/use-cases?limit=100",
        "/api/v1/search?q=alert",
        "/api/v1/dashboard/activity",
    ] {
        get(&app, &reader, path).await;
    }
    app.stop().await;
}

#[tokio::test]
async fn legitimate_text_reads_as_written() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("xss-legit")).await;
    let content = "مرحبا: الضغط a < b و x <= y\n\n`<script>alert(1)</script>` in code\n\n```html\n<img src=x onerror=alert(1)>\n```\n\n[site](https://example.com) <b>bold</b>";
    let created = app
        .post(
            "/api/v1/forums/topics",
            me.token(),
            &json!({"title": "سؤال: هل a < b؟", "content": content, "category": "الصيانة", "tags": ["مضخات"]}),
        )
        .await;
    created.assert_status(201);
    assert_eq!(created.json["topic"]["title"], "سؤال: هل a < b؟");
    assert_eq!(created.json["first_post"]["content"], content);
    let html = created.json["first_post"]["content_html"].as_str().unwrap();
    assert!(html.contains("a &lt; b و x &lt;= y"), "{html}");
    assert!(
        html.contains("<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>"),
        "{html}"
    );
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{html}"
    );
    assert!(html.contains("<b>bold</b>"), "{html}");

    // A `<` glued to a word is escaped in the source (`x\<y`, which Markdown
    // shows as `x<y`): a looser parser could take it for a tag.
    let glued = app
        .post(
            "/api/v1/forums/topics",
            me.token(),
            &json!({"title": "Glued comparison", "content": "if x<y then"}),
        )
        .await;
    glued.assert_status(201);
    assert_eq!(glued.json["first_post"]["content"], "if x\\<y then");
    assert_eq!(
        glued.json["first_post"]["content_html"],
        "<p>if x&lt;y then</p>\n"
    );

    let sent = app
        .post(
            "/api/v1/messages",
            me.token(),
            &json!({"recipient_id": app.signup(&unique_email("xss-legit-to")).await.user_id, "content": content}),
        )
        .await;
    sent.assert_status(201);
    assert_eq!(sent.json["content"], content);

    let mut case = use_case("حالة: a < b", "الطاقة", &["IoT"], &["ok"], "الرياض");
    case["problem_statement"] = json!(content);
    case["solution"] = json!("Keep pressure < 5 bar; `<b>` is a tag");
    let created = app.post("/api/v1/use-cases", me.token(), &case).await;
    created.assert_status(201);
    assert_eq!(created.json["problem_statement"], content);
    assert_eq!(
        created.json["solution"],
        "Keep pressure < 5 bar; `<b>` is a tag"
    );
    app.stop().await;
}
