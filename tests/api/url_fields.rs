//! Every URL field takes `http`/`https` (a contact also `mailto:`) and
//! nothing else: script URLs in any spelling and `//host`, `/\host` tricks
//! are refused with a field error, and nothing changes.

use crate::usecases::{create, use_case};
use p2p_tests::{Response, TestApp, unique_email};
use serde_json::{Value, json};

const SCRIPT_URLS: &[&str] = &[
    "javascript:alert(document.cookie)",
    "vbscript:msgbox(1)",
    "  JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "\u{1}javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "file:///etc/passwd",
];

#[track_caller]
fn assert_field_error(resp: &Response, field: &str) {
    resp.assert_problem(422, "validation_failed");
    let errors = resp.json["errors"].as_array().cloned().unwrap_or_default();
    assert!(
        errors
            .iter()
            .any(|e| e["field"] == field && e["code"] == "invalid_url"),
        "{field} invalid_url in {}",
        resp.text
    );
}

fn with_vendor(mut body: Value, vendor: Value) -> Value {
    body["vendor_info"] = vendor;
    body
}

#[tokio::test]
async fn use_case_vendor_links_are_web_or_mail_links_only() {
    let app = TestApp::spawn().await;
    let admin = app.signup(&unique_email("vendor-links")).await;
    let base = use_case("Vendor links", "Energy", &["IoT"], &["links"], "Dammam");

    for bad in SCRIPT_URLS {
        for field in ["website", "contact"] {
            let body = with_vendor(base.clone(), json!({"name": "V", field: bad}));
            let resp = app.post("/api/v1/use-cases", admin.token(), &body).await;
            assert_field_error(&resp, &format!("vendor_info.{field}"));
        }
    }
    for bad in [
        "//evil.example",
        "mailto:x@y.example",
        "https://bank.example@evil.example",
    ] {
        let body = with_vendor(base.clone(), json!({"website": bad}));
        let resp = app.post("/api/v1/use-cases", admin.token(), &body).await;
        assert_field_error(&resp, "vendor_info.website");
    }
    let mine = app
        .get("/api/v1/use-cases?status=draft", admin.token())
        .await;
    assert_eq!(mine.json["items"], json!([]), "nothing was created");

    let good = with_vendor(
        base.clone(),
        json!({"name": "Optiq", "website": "https://optiq.example/ar", "contact": "mailto:sales@optiq.example"}),
    );
    let created = create(&app, &admin, &good).await;
    let path = format!("/api/v1/use-cases/{}", created["id"].as_str().unwrap());
    for contact in [
        "+966 11 555 0100",
        "sales@optiq.example",
        "م. أحمد: 0555 123 456",
        "https://optiq.example/contact",
    ] {
        let resp = app
            .patch(
                &path,
                admin.token(),
                &json!({"vendor_info": {"contact": contact}}),
            )
            .await;
        resp.assert_status(200);
        assert_eq!(resp.json["vendor_info"]["contact"], contact);
    }
    app.patch(
        &path,
        admin.token(),
        &json!({"vendor_info": good["vendor_info"]}),
    )
    .await
    .assert_status(200);

    for bad in SCRIPT_URLS {
        for field in ["website", "contact"] {
            let resp = app
                .patch(
                    &path,
                    admin.token(),
                    &json!({"vendor_info": {"name": "V", field: bad}}),
                )
                .await;
            assert_field_error(&resp, &format!("vendor_info.{field}"));
        }
    }
    let after = app.get(&path, admin.token()).await;
    after.assert_status(200);
    assert_eq!(after.json["vendor_info"], good["vendor_info"], "unchanged");
    app.stop().await;
}

#[tokio::test]
async fn organization_links_refuse_script_urls_and_other_hosts_in_disguise() {
    let app = TestApp::spawn().await;
    let admin = app.signup(&unique_email("org-links")).await;
    let path = "/api/v1/organizations/current";
    app.patch(
        path,
        admin.token(),
        &json!({"website": "https://harbi.example", "logo_url": "/api/v1/files/logo"}),
    )
    .await
    .assert_status(200);

    for bad in SCRIPT_URLS {
        for field in ["website", "logo_url"] {
            let resp = app.patch(path, admin.token(), &json!({ field: bad })).await;
            assert_field_error(&resp, field);
        }
    }
    for bad in [
        "//evil.example/logo.png",
        "/\\evil.example/logo.png",
        "\\\\evil.example/x",
        "/a b.png",
    ] {
        let resp = app
            .patch(path, admin.token(), &json!({"logo_url": bad}))
            .await;
        assert_field_error(&resp, "logo_url");
    }
    let org = app.get(path, admin.token()).await;
    assert_eq!(org.json["website"], "https://harbi.example");
    assert_eq!(org.json["logo_url"], "/api/v1/files/logo");
    app.stop().await;
}
