//! `GET /users/me/export`: everything held about the caller in one streamed
//! JSON document, and nothing of anyone else's private data.

use crate::files::{multipart, png, post_multipart};
use crate::messages::{send_message, signup_named};
use crate::notifications::{create_topic, reply};
use p2p_tests::{Session, TestApp, unique_email};
use serde_json::Value;

const EXPORT: &str = "/api/v1/users/me/export";

fn ids(doc: &Value, section: &str) -> Vec<String> {
    doc[section]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn upload(app: &TestApp, who: &Session, name: &str) -> String {
    let resp = post_multipart(
        app,
        "/api/v1/files",
        who,
        multipart(name, "image/png", &png(3_000)),
    )
    .await;
    resp.assert_status(201);
    resp.json["id"].as_str().unwrap().to_owned()
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_export_holds_all_of_mine_and_nothing_private_of_others() {
    let app = TestApp::spawn().await;
    let alice = signup_named(&app, "Aliya", "Exporter").await;
    let carol = app
        .invite_and_join(&alice, &unique_email("export-colleague"), "member")
        .await;
    let bob = signup_named(&app, "Badr", "Outsider").await;

    let topic = create_topic(&app, &alice, "Export: my own topic", "Opening words").await;
    let topic_id = topic["topic"]["id"].as_str().unwrap().to_owned();
    let theirs = create_topic(&app, &bob, "Export: their topic", "Their words").await;
    let their_topic = theirs["topic"]["id"].as_str().unwrap().to_owned();
    let my_reply = id_of(&reply(&app, &alice, &their_topic, None, "My reply to Badr").await);
    // Badr replying to my topic notifies me.
    reply(&app, &bob, &topic_id, None, "Badr answers").await;
    let draft = crate::usecases::use_case("Aliya draft case", "Food", &["Vision"], &[], "Jeddah");
    let my_draft = id_of(&crate::usecases::create(&app, &alice, &draft).await);
    let other = crate::usecases::use_case("Carol secret draft", "Food", &["Vision"], &[], "Jeddah");
    let carol_draft = id_of(&crate::usecases::create(&app, &carol, &other).await);
    let sent = id_of(&send_message(&app, &alice, &bob, "From Aliya to Badr").await);
    let received = id_of(&send_message(&app, &bob, &alice, "From Badr to Aliya").await);
    send_message(&app, &bob, &carol, "Between Badr and Carol only").await;
    let my_file = upload(&app, &alice, "aliya-plan.png").await;
    let carol_file = upload(&app, &carol, "carol-plan.png").await;

    app.get(EXPORT, None).await.assert_status(401);
    // Posts and use cases are read from their stores: there at once.
    let resp = app.get(EXPORT, alice.token()).await;
    resp.assert_status(200);
    let doc = resp.json;
    assert!(ids(&doc, "posts").contains(&my_reply), "{doc}");
    assert!(ids(&doc, "use_cases").contains(&my_draft), "{doc}");

    assert_eq!(doc["format"], "p2p-personal-export");
    assert_eq!(doc["profile"]["id"], alice.user_id);
    assert_eq!(doc["profile"]["email"], alice.email.as_str());
    assert_eq!(doc["organization"]["id"], doc["profile"]["organization_id"]);
    assert!(!ids(&doc, "sessions").is_empty());
    assert_eq!(ids(&doc, "topics"), vec![topic_id.clone()]);
    let cases = doc["use_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1, "{cases:?}");
    assert_eq!(cases[0]["status"], "draft");
    assert!(!ids(&doc, "posts").is_empty());

    let conversations = doc["conversations"].as_array().unwrap();
    assert_eq!(conversations.len(), 1, "{conversations:?}");
    assert_eq!(conversations[0]["with"]["id"], bob.user_id);
    assert_eq!(
        conversations[0]["with"].as_object().unwrap().len(),
        2,
        "id and name only"
    );
    let messages: Vec<String> = conversations[0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(messages, vec![received, sent], "newest first");
    assert!(!doc["notifications"].as_array().unwrap().is_empty());

    let files = doc["files"].as_array().unwrap();
    assert_eq!(ids(&doc, "files"), vec![my_file]);
    assert_eq!(files[0]["filename"], "aliya-plan.png");
    let link = files[0]["download_url"].as_str().unwrap();
    let fetched = app.client.get(link).send().await.unwrap();
    assert_eq!(fetched.status(), 200, "the download URL works");

    let text = doc.to_string();
    for private in [
        carol_draft.as_str(),
        "Carol secret draft",
        carol_file.as_str(),
        "Between Badr and Carol only",
        bob.email.as_str(),
        carol.email.as_str(),
    ] {
        assert!(!text.contains(private), "{private} leaked: {text}");
    }

    let resp = app.get(EXPORT, alice.token()).await;
    resp.assert_status(200);
    let disposition = resp.header("content-disposition").unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"p2p-export-")
            && disposition.ends_with(".json\""),
        "{disposition}"
    );
    assert_eq!(resp.header("cache-control"), Some("no-store"));
    assert!(
        resp.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    app.stop().await;
}

#[tokio::test]
async fn what_was_just_written_is_in_the_export_and_reading_counts_no_view() {
    let app = TestApp::spawn().await;
    let author = signup_named(&app, "Huda", "Writer").await;
    let other = signup_named(&app, "Omar", "Reader").await;
    let topic = create_topic(&app, &other, "Chiller maintenance", "Intervals?").await;
    let topic_id = topic["topic"]["id"].as_str().unwrap().to_owned();
    let first = id_of(&topic["first_post"]);
    let body = crate::usecases::use_case("حالة: فحص بالرؤية", "Food", &["Vision"], &[], "Jeddah");
    let published = crate::usecases::create_published(&app, &author, &body).await;
    let draft = id_of(&crate::usecases::create(&app, &author, &body).await);
    // Written immediately before the export, with no wait for indexing.
    let post = id_of(&reply(&app, &author, &topic_id, None, "كل ثلاثة أشهر").await);

    let resp = app.get(EXPORT, author.token()).await;
    resp.assert_status(200);
    let doc = resp.json;
    assert_eq!(ids(&doc, "posts"), vec![post.clone()], "{doc}");
    assert!(!ids(&doc, "posts").contains(&first), "not mine");
    let cases = doc["use_cases"].as_array().unwrap();
    assert_eq!(
        ids(&doc, "use_cases"),
        vec![published.clone(), draft],
        "{doc}"
    );
    assert_eq!(cases[0]["status"], "published");
    assert_eq!(cases[0]["outcomes"], body["outcomes"]);
    assert_eq!(cases[0]["title"], "حالة: فحص بالرؤية");

    // The exports read the use case without viewing it: after them, one
    // reader's view is the only one counted.
    app.get(EXPORT, author.token()).await.assert_status(200);
    let path = format!("/api/v1/use-cases/{published}");
    app.get(&path, other.token()).await.assert_status(200);
    let views = crate::usecases::wait_for_views(&app, &author, &published, 1).await;
    assert_eq!(views, 1, "one view, by the reader only");
    app.stop().await;
}
