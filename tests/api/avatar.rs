//! Avatar upload through the file storage, served by redirect.

use crate::files::{multipart, png};
use p2p_tests::{TestApp, unique_email};

#[tokio::test]
async fn avatar_round_trip_and_content_checks() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("avatar")).await;
    let upload = |content_type: String, body: Vec<u8>| {
        app.client
            .put(app.url("/api/v1/users/me/avatar"))
            .bearer_auth(&me.access)
            .header("content-type", content_type)
            .body(body)
            .send()
    };

    let image = png(300_000);
    let (ct, body) = multipart("me.png", "image/png", &image);
    let resp = TestApp::read(upload(ct, body).await.unwrap()).await;
    resp.assert_status(200);
    let avatar_url = resp.json["avatar_url"]
        .as_str()
        .expect("avatar_url")
        .to_owned();
    let path = avatar_url
        .split_once("/api/v1")
        .map(|(_, p)| format!("/api/v1{p}"))
        .unwrap();

    let redirect = app.get(&path, None).await;
    assert_eq!(redirect.status, 302, "{}", redirect.text);
    let location = redirect.header("location").expect("location").to_owned();
    let fetched = app.client.get(&location).send().await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert_eq!(
        fetched.bytes().await.unwrap().as_ref(),
        image.as_slice(),
        "byte for byte"
    );

    // Not an image → 415; a script claiming to be a PNG → 415; too large → 413.
    let (ct, body) = multipart("notes.txt", "text/plain", b"hello there, plain text");
    TestApp::read(upload(ct, body).await.unwrap())
        .await
        .assert_problem(415, "unsupported_media_type");
    let (ct, body) = multipart("evil.png", "image/png", b"<script>alert(1)</script>");
    TestApp::read(upload(ct, body).await.unwrap())
        .await
        .assert_problem(415, "unsupported_media_type");
    let (ct, body) = multipart("huge.png", "image/png", &png(6 * 1024 * 1024));
    TestApp::read(upload(ct, body).await.unwrap())
        .await
        .assert_problem(413, "payload_too_large");

    // The profile still points at the first avatar.
    let profile = app.get("/api/v1/users/me", me.token()).await;
    assert_eq!(profile.json["avatar_url"], avatar_url.as_str());
    app.stop().await;
}
