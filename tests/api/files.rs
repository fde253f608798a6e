//! `/api/v1/files`: multipart and presigned uploads, downloads by redirect,
//! content and size checks, visibility of unattached uploads.

use p2p_tests::{Session, TestApp, unique_email};
use serde_json::json;

/// A multipart body with the file in the field `file`: (content type, body).
pub(crate) fn multipart(filename: &str, content_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "p2p-files-boundary-41c9";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(crate) fn png(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0".to_vec();
    bytes.extend((0..len).map(|i| (i % 251) as u8));
    bytes
}

fn pdf(len: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    bytes.extend((0..len).map(|i| (i % 97) as u8 + 32));
    bytes
}

/// `POST path` with a multipart body.
pub(crate) async fn post_multipart(
    app: &TestApp,
    path: &str,
    who: &Session,
    (content_type, body): (String, Vec<u8>),
) -> p2p_tests::Response {
    let resp = app
        .client
        .post(app.url(path))
        .bearer_auth(&who.access)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    TestApp::read(resp).await
}

/// Follows `GET /files/{id}`'s redirect and returns the bytes; panics unless 302 → 200.
pub(crate) async fn fetch(app: &TestApp, file_path: &str, who: &Session) -> Vec<u8> {
    let redirect = app.get(file_path, who.token()).await;
    assert_eq!(redirect.status, 302, "{}", redirect.text);
    let location = redirect.header("location").expect("location").to_owned();
    let fetched = app.client.get(&location).send().await.unwrap();
    assert_eq!(fetched.status(), 200);
    fetched.bytes().await.unwrap().to_vec()
}

/// The `/api/v1/...` path of an absolute file URL.
pub(crate) fn api_path(url: &str) -> String {
    url.split_once("/api/v1")
        .map(|(_, p)| format!("/api/v1{p}"))
        .expect("an /api/v1 url")
}

#[tokio::test]
async fn multipart_upload_round_trip_and_visibility() {
    let app = TestApp::spawn().await;
    let (me, colleague) = app.admin_and_member("files", "colleague").await;
    let outsider = app.signup(&unique_email("outsider")).await;

    let image = png(700_000);
    let resp = post_multipart(
        &app,
        "/api/v1/files",
        &me,
        multipart("../plant/line 3.png", "image/png", &image),
    )
    .await;
    resp.assert_status(201);
    assert_eq!(resp.json["content_type"], "image/png");
    assert_eq!(resp.json["size"], image.len() as u64);
    assert_eq!(
        resp.json["filename"], "line 3.png",
        "path parts are dropped"
    );
    let id = resp.json["id"].as_str().expect("id").to_owned();
    let path = api_path(resp.json["url"].as_str().expect("url"));
    assert_eq!(path, format!("/api/v1/files/{id}"));

    assert_eq!(fetch(&app, &path, &me).await, image, "byte for byte");

    // Unattached: the uploader only.
    app.get(&path, colleague.token())
        .await
        .assert_problem(404, "not_found");
    app.get(&path, outsider.token())
        .await
        .assert_problem(404, "not_found");
    app.get(&path, None)
        .await
        .assert_problem(401, "unauthenticated");
    app.get(
        &format!("/api/v1/files/{}", uuid::Uuid::now_v7()),
        me.token(),
    )
    .await
    .assert_problem(404, "not_found");
    app.stop().await;
}

#[tokio::test]
async fn multipart_uploads_are_checked_by_content_and_size() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("limits")).await;
    let post = |parts| post_multipart(&app, "/api/v1/files", &me, parts);

    // Declared type decides; content must agree.
    post(multipart(
        "notes.txt",
        "text/plain",
        b"plain text is not accepted",
    ))
    .await
    .assert_problem(415, "unsupported_media_type");
    post(multipart("fake.pdf", "application/pdf", &png(100)))
        .await
        .assert_problem(415, "unsupported_media_type");
    post(multipart(
        "page.png",
        "image/png",
        b"<html><script>1</script></html>",
    ))
    .await
    .assert_problem(415, "unsupported_media_type");
    // A generic type lets the content decide.
    let resp = post(multipart("scan", "application/octet-stream", &pdf(2000))).await;
    resp.assert_status(201);
    assert_eq!(resp.json["content_type"], "application/pdf");
    // Images are limited to 10 MiB.
    post(multipart("huge.png", "image/png", &png(10 * 1024 * 1024)))
        .await
        .assert_problem(413, "payload_too_large");
    // No `file` field, or another field: the form has only `file`.
    let boundary = "b0";
    let form = |body: String| {
        (
            format!("multipart/form-data; boundary={boundary}"),
            body.into_bytes(),
        )
    };
    post(form(format!("--{boundary}--\r\n")))
        .await
        .assert_problem(400, "invalid_multipart");
    let resp = post(form(format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--{boundary}--\r\n"
    )))
    .await;
    resp.assert_problem(422, "validation_failed");
    assert_eq!(resp.json["errors"][0]["field"], "other");
    assert_eq!(resp.json["errors"][0]["code"], "unknown_field");
    app.stop().await;
}

#[tokio::test]
async fn presigned_upload_round_trip() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("presign")).await;
    let outsider = app.signup(&unique_email("presign-out")).await;
    let document = pdf(300_000);

    let resp = app
        .post(
            "/api/v1/files/presign",
            me.token(),
            &json!({"filename": "تقرير الصيانة.pdf", "content_type": "application/pdf", "size": document.len()}),
        )
        .await;
    resp.assert_status(201);
    let id = resp.json["file_id"].as_str().expect("file_id").to_owned();
    let upload_url = resp.json["upload_url"]
        .as_str()
        .expect("upload_url")
        .to_owned();
    assert!(resp.json["expires_at"].is_string());
    let path = format!("/api/v1/files/{id}");

    // Not uploaded yet.
    app.get(&path, me.token())
        .await
        .assert_problem(409, "upload_incomplete");

    let mut put = app.client.put(&upload_url).body(document.clone());
    for (name, value) in resp.json["headers"].as_object().expect("headers") {
        put = put.header(name.as_str(), value.as_str().expect("header value"));
    }
    let uploaded = put.send().await.unwrap();
    assert!(uploaded.status().is_success(), "{}", uploaded.status());

    assert_eq!(fetch(&app, &path, &me).await, document, "byte for byte");
    // The Arabic name survives the download, RFC 5987-encoded.
    let redirect = app.get(&path, me.token()).await;
    let location = redirect.header("location").expect("location").to_owned();
    let download = app.client.get(&location).send().await.unwrap();
    let disposition = download
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        disposition.starts_with("attachment")
            && disposition.contains(
                "filename*=UTF-8''%D8%AA%D9%82%D8%B1%D9%8A%D8%B1%20%D8%A7%D9%84%D8%B5%D9%8A%D8%A7%D9%86%D8%A9.pdf"
            ),
        "{disposition}"
    );
    app.get(&path, outsider.token())
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}

#[tokio::test]
async fn presign_checks_type_size_and_later_the_content() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("presign-checks")).await;
    let (app_ref, me_ref) = (&app, &me);
    let presign = |body: serde_json::Value| async move {
        app_ref
            .post("/api/v1/files/presign", me_ref.token(), &body)
            .await
    };

    presign(json!({"filename": "a.txt", "content_type": "text/plain", "size": 10}))
        .await
        .assert_problem(415, "unsupported_media_type");
    presign(
        json!({"filename": "big.pdf", "content_type": "application/pdf", "size": 26 * 1024 * 1024}),
    )
    .await
    .assert_problem(413, "payload_too_large");
    presign(json!({"filename": "", "content_type": "application/pdf", "size": 10}))
        .await
        .assert_problem(422, "validation_failed");
    presign(json!({"filename": "a.pdf", "content_type": "application/pdf"}))
        .await
        .assert_problem(422, "validation_failed");

    // Announced as a PDF, the bytes are a PNG: refused when first used, then gone.
    let image = png(5000);
    let resp = presign(
        json!({"filename": "x.pdf", "content_type": "application/pdf", "size": image.len()}),
    )
    .await;
    resp.assert_status(201);
    let mut put = app
        .client
        .put(resp.json["upload_url"].as_str().unwrap())
        .body(image);
    for (name, value) in resp.json["headers"].as_object().unwrap() {
        put = put.header(name.as_str(), value.as_str().unwrap());
    }
    assert!(put.send().await.unwrap().status().is_success());
    let path = format!("/api/v1/files/{}", resp.json["file_id"].as_str().unwrap());
    app.get(&path, me.token())
        .await
        .assert_problem(415, "unsupported_media_type");
    app.get(&path, me.token())
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}

#[tokio::test]
async fn someone_elses_file_is_unknown_whether_or_not_it_is_attached() {
    let app = TestApp::spawn().await;
    let owner = app.signup(&unique_email("file-owner")).await;
    let prober = app.signup(&unique_email("file-prober")).await;
    let upload = |name: &'static str| {
        post_multipart(
            &app,
            "/api/v1/files",
            &owner,
            multipart(name, "image/png", &png(2_000)),
        )
    };
    let loose = upload("loose.png").await;
    loose.assert_status(201);
    let attached = upload("attached.png").await;
    attached.assert_status(201);
    app.post(
        "/api/v1/forums/topics",
        owner.token(),
        &json!({"title": "Drawing", "content": "Here.", "attachments": [attached.json["id"]]}),
    )
    .await
    .assert_status(201);

    // The prober learns nothing: attached elsewhere, unattached, or no such file
    // all answer the same.
    let answer = |file_id: serde_json::Value| {
        let (app, prober) = (&app, &prober);
        async move {
            let resp = app
                .post(
                    "/api/v1/forums/topics",
                    prober.token(),
                    &json!({"title": "Probe", "content": "Probe.", "attachments": [file_id]}),
                )
                .await;
            resp.assert_problem(404, "not_found");
            (resp.status, resp.json["errors"].clone())
        }
    };
    let nonexistent = answer(json!(uuid::Uuid::now_v7())).await;
    assert_eq!(
        nonexistent.1[0]["code"], "unknown_file",
        "{:?}",
        nonexistent
    );
    assert_eq!(answer(loose.json["id"].clone()).await, nonexistent);
    assert_eq!(answer(attached.json["id"].clone()).await, nonexistent);
    app.stop().await;
}

/// `PUT`s `bytes` to a presign answer's `upload_url` with its `headers`.
async fn put_presigned(app: &TestApp, presigned: &serde_json::Value, bytes: Vec<u8>) -> u16 {
    let mut put = app
        .client
        .put(presigned["upload_url"].as_str().expect("upload_url"))
        .body(bytes);
    for (name, value) in presigned["headers"].as_object().expect("headers") {
        put = put.header(name.as_str(), value.as_str().expect("header value"));
    }
    put.send().await.expect("PUT sent").status().as_u16()
}

#[tokio::test]
async fn a_presigned_upload_url_stores_bytes_once() {
    let app = TestApp::spawn().await;
    let author = app.signup(&unique_email("presign-once")).await;
    let reader = app.signup(&unique_email("presign-reader")).await;
    let document = pdf(20_000);
    let mut swapped = b"<html><script>alert(document.cookie)</script>".to_vec();
    swapped.resize(document.len(), b' ');
    let announce =
        json!({"filename": "spec.pdf", "content_type": "application/pdf", "size": document.len()});
    let presign = || app.post("/api/v1/files/presign", author.token(), &announce);

    // Uploaded, checked and attached; then the same URL is tried again.
    let presigned = presign().await;
    presigned.assert_status(201);
    let first = put_presigned(&app, &presigned.json, document.clone()).await;
    assert!((200..300).contains(&first), "first PUT answered {first}");
    let topic = app
        .post(
            "/api/v1/forums/topics",
            author.token(),
            &json!({"title": "Pump specification", "content": "Attached.", "attachments": [presigned.json["file_id"]]}),
        )
        .await;
    topic.assert_status(201);
    let again = put_presigned(&app, &presigned.json, swapped.clone()).await;
    assert!(
        (400..500).contains(&again),
        "a second PUT to a used upload URL answered {again}"
    );
    let path = format!(
        "/api/v1/files/{}",
        presigned.json["file_id"].as_str().unwrap()
    );
    assert_eq!(
        fetch(&app, &path, &reader).await,
        document,
        "the bytes never change"
    );
    assert_eq!(
        topic.json["first_post"]["attachments"][0]["content_type"],
        "application/pdf"
    );

    // Before the file is first used, a second PUT is refused as well.
    let presigned = presign().await;
    let first = put_presigned(&app, &presigned.json, document.clone()).await;
    assert!((200..300).contains(&first), "first PUT answered {first}");
    let again = put_presigned(&app, &presigned.json, swapped).await;
    assert!((400..500).contains(&again), "second PUT answered {again}");
    let path = format!(
        "/api/v1/files/{}",
        presigned.json["file_id"].as_str().unwrap()
    );
    assert_eq!(fetch(&app, &path, &author).await, document);
    app.stop().await;
}
