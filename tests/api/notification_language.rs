//! Notification titles in the reader's language: an Arabic reader's list,
//! live `notification.created` frame and email digest are Arabic; the same
//! notification reads in English with `Accept-Language: en` (and an English
//! reader's in Arabic with `ar`); names people wrote keep their direction
//! (Unicode isolates) and are escaped in the email's HTML; notifications
//! stored before titles were bilingual still list with their English title.

use crate::locale::signup_in;
use crate::messages::next_event;
use crate::notifications::{create_topic, notifications, reply};
use crate::realtime::connect;
use p2p_tests::{Session, TestApp};
use sea_orm::ConnectionTrait;
use serde_json::json;

/// `text` inside Unicode isolates (U+2068 … U+2069), as titles carry names.
fn isolated(text: &str) -> String {
    format!("\u{2068}{text}\u{2069}")
}

/// The caller's notification titles, asking for `language` when given.
async fn titles(app: &TestApp, user: &Session, language: Option<&str>) -> Vec<String> {
    let mut req = app
        .client
        .get(app.url("/api/v1/notifications"))
        .bearer_auth(&user.access);
    if let Some(language) = language {
        req = req.header("accept-language", language);
    }
    let resp = TestApp::read(req.send().await.expect("request sent")).await;
    resp.assert_status(200);
    let items = resp.json["items"].as_array().cloned().unwrap_or_default();
    items
        .iter()
        .map(|n| n["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn titles_are_written_in_the_readers_language_everywhere() {
    let app = TestApp::spawn_with(|raw| raw.notification_digest_secs = 2).await;
    let ahmed = signup_in(&app, Some("ar"), "أحمد", "العتيبي", "مصنع العتيبي").await;
    let ann = signup_in(&app, Some("en"), "Ann", "Lee & \"Sons\" <3", "Lee Plastics").await;
    app.parsed_emails_to(&ahmed.email, 1).await;
    let (mut ws, _) = connect(&app, &ahmed, None).await;

    let topic = create_topic(
        &app,
        &ann,
        "Pump seals",
        "@أحمد.العتيبي which seal kit do you use?",
    )
    .await;
    let arabic = format!(
        "إشارة إليك من {} في «{}»",
        isolated("Ann Lee & \"Sons\" <3"),
        isolated("Pump seals")
    );
    let english = format!(
        "{} mentioned you in \"{}\"",
        isolated("Ann Lee & \"Sons\" <3"),
        isolated("Pump seals")
    );
    // Live, in Ahmed's language.
    let created = next_event(&mut ws, "notification.created").await;
    assert_eq!(created["data"]["kind"], "mention", "{created}");
    assert_eq!(created["data"]["title"], arabic.as_str(), "{created}");
    // Listed in his language, or in the one the request asks for.
    assert_eq!(titles(&app, &ahmed, None).await, [arabic.as_str()]);
    assert_eq!(titles(&app, &ahmed, Some("en")).await, [english.as_str()]);
    assert_eq!(
        titles(&app, &ahmed, Some("en-GB,ar;q=0.5")).await,
        [english.as_str()]
    );
    assert_eq!(titles(&app, &ahmed, Some("fr")).await, [arabic.as_str()]);

    // Emailed in his language: one notification is the subject; the name
    // is text in the HTML, which is right to left.
    let digest = &app.parsed_emails_to(&ahmed.email, 2).await[1];
    assert_eq!(digest.subject, arabic, "{}", digest.text);
    assert!(digest.text.contains(&arabic), "{}", digest.text);
    let html = digest.html.as_deref().unwrap_or_default();
    assert!(html.contains("<html lang=\"ar\" dir=\"rtl\">"), "{html}");
    assert!(
        html.contains("Ann Lee &amp; &quot;Sons&quot; &lt;3"),
        "{html}"
    );
    assert!(!html.contains("Sons\" <3"), "{html}");

    // Ann reads English; her notification reads in Arabic when asked.
    let topic_id = topic["topic"]["id"].as_str().unwrap();
    reply(&app, &ahmed, topic_id, None, "نستخدم seal kit من مورد محلي").await;
    app.settled().await; // the reply's notifications follow from its outbox event
    let name = isolated("أحمد العتيبي");
    let replied = format!("{name} replied in \"{}\"", isolated("Pump seals"));
    assert_eq!(titles(&app, &ann, None).await, [replied]);
    let replied = format!("ردّ جديد من {name} في «{}»", isolated("Pump seals"));
    assert_eq!(titles(&app, &ann, Some("ar-SA")).await, [replied]);
    let list = notifications(&app, &ann).await;
    assert_eq!(list[0]["kind"], "reply", "{list:?}");
    drop(ws);
    app.stop().await;
}

#[tokio::test]
async fn notifications_stored_before_bilingual_titles_still_list() {
    let app = TestApp::spawn().await;
    let ahmed = signup_in(&app, Some("ar"), "أحمد", "العتيبي", "مصنع العتيبي").await;
    let ann = signup_in(&app, Some("en"), "Ann", "Lee", "Lee Plastics").await;
    create_topic(&app, &ann, "Pump seals", "@أحمد.العتيبي any advice?").await;
    // The mention follows from the topic's outbox event.
    app.settled().await;
    // As a row written before `title_text` existed: its English title only.
    let db = &app.state().backends.db;
    db.execute_unprepared(
        "UPDATE notifications SET title_text = NULL, \
         title = 'Ann Lee mentioned you in \"Pump seals\"' WHERE kind = 'mention'",
    )
    .await
    .unwrap();
    let stored = "Ann Lee mentioned you in \"Pump seals\"";
    assert_eq!(titles(&app, &ahmed, None).await, [stored]);
    assert_eq!(titles(&app, &ahmed, Some("en")).await, [stored]);
    let resp = app
        .get("/api/v1/notifications/unread-count", ahmed.token())
        .await;
    assert_eq!(resp.json, json!({"unread_count": 1}), "{}", resp.text);
    app.stop().await;
}
