//! Problem documents speak the request's language (`Accept-Language`: Arabic
//! or English); their `code`, and every field's `code`, never change.

use p2p_tests::{Response, TestApp, unique_email};
use reqwest::Method;
use serde_json::{Value, json};

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    language: &str,
    body: Option<&Value>,
) -> Response {
    let mut req = app
        .client
        .request(method, app.url(path))
        .header("accept-language", language);
    if let Some(body) = body {
        req = req.json(body);
    }
    TestApp::read(req.send().await.expect("request sent")).await
}

fn has_arabic(text: &str) -> bool {
    text.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

#[tokio::test]
async fn problems_follow_accept_language() {
    let app = TestApp::spawn().await;
    let path = "/api/v1/no-such-thing";

    let arabic = send(&app, Method::GET, path, "ar-SA,ar;q=0.9,en;q=0.8", None).await;
    arabic.assert_problem(404, "not_found");
    assert_eq!(arabic.json["title"], "غير موجود");
    assert_eq!(arabic.json["detail"], "المورد المطلوب غير موجود.");
    assert_eq!(arabic.header("content-language"), Some("ar"));
    assert!(
        arabic
            .header("vary")
            .is_some_and(|v| v.to_ascii_lowercase().contains("accept-language")),
        "caches must key problems on the language: {:?}",
        arabic.header("vary")
    );

    let english = send(&app, Method::GET, path, "fr, en-GB;q=0.5", None).await;
    english.assert_problem(404, "not_found");
    assert_eq!(english.json["title"], "Not Found");
    assert!(!has_arabic(english.json["detail"].as_str().unwrap_or("")));
    assert_eq!(english.header("content-language"), Some("en"));

    let preferred = send(&app, Method::GET, path, "en;q=0.3, ar;q=0.7", None).await;
    assert_eq!(preferred.json["title"], "غير موجود");
    let unsupported = send(&app, Method::GET, path, "de-DE", None).await;
    assert_eq!(unsupported.json["title"], "Not Found");
    let refused = send(&app, Method::GET, path, "ar;q=0, en;q=0.1", None).await;
    assert_eq!(refused.json["title"], "Not Found");

    let unauthenticated = send(&app, Method::GET, "/api/v1/users/me", "ar", None).await;
    unauthenticated.assert_problem(401, "unauthenticated");
    assert_eq!(unauthenticated.json["title"], "يلزم تسجيل الدخول");
    app.stop().await;
}

#[tokio::test]
async fn field_errors_keep_their_codes_and_speak_arabic() {
    let app = TestApp::spawn().await;
    let body = json!({
        "email": "not-an-address",
        "password": "short1",
        "first_name": "ن".repeat(101),
        "last_name": "العتيبي",
        "organization_name": "مصنع الخليج للصلب",
    });
    let arabic = send(&app, Method::POST, "/api/v1/auth/signup", "ar", Some(&body)).await;
    arabic.assert_problem(422, "validation_failed");
    assert_eq!(arabic.json["title"], "بيانات غير صالحة");
    let fields = arabic.json["errors"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let find = |name: &str| {
        fields
            .iter()
            .find(|f| f["field"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no error for {name}: {fields:?}"))
    };
    let email = find("email");
    assert_eq!(email["code"], "invalid_email");
    assert_eq!(email["message"], "يجب أن يكون عنوان بريد إلكتروني صالحًا.");
    let first_name = find("first_name");
    assert_eq!(first_name["code"], "too_long");
    assert_eq!(first_name["message"], "يجب ألا يزيد طوله على 100 من الأحرف.");
    let password = find("password");
    assert_eq!(password["code"], "password_too_short");
    assert!(
        password["message"]
            .as_str()
            .is_some_and(|m| has_arabic(m) && m.contains("10")),
        "{password}"
    );
    assert!(
        fields.iter().all(|f| f["field"] != "last_name"),
        "Arabic names are valid: {fields:?}"
    );

    let english = send(&app, Method::POST, "/api/v1/auth/signup", "en", Some(&body)).await;
    english.assert_problem(422, "validation_failed");
    let codes = |r: &Response| {
        let mut c: Vec<String> = r.json["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| format!("{}:{}", f["field"], f["code"]))
            .collect();
        c.sort();
        c
    };
    assert_eq!(
        codes(&english),
        codes(&arabic),
        "codes do not depend on language"
    );
    assert!(
        english.json["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|f| !has_arabic(f["message"].as_str().unwrap_or(""))),
        "{}",
        english.text
    );

    let signed_up = app
        .signup_as(
            &unique_email("ahmad"),
            "أحمد",
            "العتيبي",
            "مصنع الخليج للصلب",
        )
        .await;
    let me = app.get("/api/v1/users/me", signed_up.token()).await;
    me.assert_status(200);
    assert_eq!(me.json["first_name"], "أحمد");
    app.stop().await;
}
