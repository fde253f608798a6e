//! Remote images in Markdown are tracking pixels: only this server's files
//! and the hosts of `P2P_MARKDOWN_IMAGE_HOSTS` are shown as images; any
//! other image becomes a link, in the stored Markdown and in its HTML.

use crate::files::{multipart, png, post_multipart};
use p2p_tests::{TestApp, unique_email};
use serde_json::json;

const TRACKER: &str = "https://tracker.example/pixel.gif?u=reader";

#[tokio::test]
async fn remote_images_become_links_unless_their_host_is_allowed() {
    let app = TestApp::spawn_with(|raw| {
        raw.markdown_image_hosts = "Images.Example.com".into();
    })
    .await;
    let me = app.signup(&unique_email("md-images")).await;
    let upload = post_multipart(
        &app,
        "/api/v1/files",
        &me,
        multipart("chart.png", "image/png", &png(64)),
    )
    .await;
    upload.assert_status(201);
    let own = upload.json["url"].as_str().unwrap().to_owned();
    let allowed = "https://images.example.com/line-3.png";
    let content = format!(
        "![pixel]({TRACKER}) ![chart]({own}) ![line]({allowed}) ![proto](//tracker.example/p.gif) <img src=\"{TRACKER}\">"
    );

    let created = app
        .post(
            "/api/v1/forums/topics",
            me.token(),
            &json!({"title": "Images in posts", "content": content}),
        )
        .await;
    created.assert_status(201);
    let post = &created.json["first_post"];
    let source = post["content"].as_str().unwrap();
    assert!(
        source.starts_with(&format!("[pixel]({TRACKER})")),
        "{source}"
    );
    assert!(source.contains(&format!("![chart]({own})")), "{source}");
    assert!(source.contains(&format!("![line]({allowed})")), "{source}");
    assert!(
        source.contains("[proto](//tracker.example/p.gif)"),
        "{source}"
    );
    assert!(!source.contains("![pixel]"), "{source}");
    let html = post["content_html"].as_str().unwrap();
    let images: Vec<&str> = html
        .split("<img")
        .skip(1)
        .map(|tag| tag.split('>').next().unwrap())
        .collect();
    assert_eq!(images.len(), 3, "{html}");
    assert!(images[0].contains(&format!("src=\"{own}\"")), "{html}");
    assert!(images[1].contains(&format!("src=\"{allowed}\"")), "{html}");
    assert!(
        !images[2].contains("src="),
        "a raw remote <img> loses its src: {html}"
    );
    assert!(!html.contains("src=\"https://tracker"), "{html}");
    assert!(
        html.contains("<a href=\"https://tracker.example/pixel.gif?u=reader\""),
        "{html}"
    );

    // Messages follow the same policy.
    let other = app.signup(&unique_email("md-images-to")).await;
    let sent = app
        .post(
            "/api/v1/messages",
            me.token(),
            &json!({"recipient_id": other.user_id, "content": format!("![pixel]({TRACKER})")}),
        )
        .await;
    sent.assert_status(201);
    assert_eq!(sent.json["content"], format!("[pixel]({TRACKER})"));
    assert!(!sent.json["content_html"].as_str().unwrap().contains("<img"));
    app.stop().await;
}

#[tokio::test]
async fn by_default_no_remote_image_is_shown() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("md-images-default")).await;
    let created = app
        .post(
            "/api/v1/forums/topics",
            me.token(),
            &json!({"title": "Default image policy", "content": format!("![pixel]({TRACKER})")}),
        )
        .await;
    created.assert_status(201);
    let html = created.json["first_post"]["content_html"].as_str().unwrap();
    assert!(!html.contains("<img"), "{html}");
    assert_eq!(
        created.json["first_post"]["content"],
        format!("[pixel]({TRACKER})")
    );
    app.stop().await;
}
