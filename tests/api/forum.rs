//! Forum over HTTP: topics, threads, votes, best answers, lock, pin, permissions, XSS.

use p2p_tests::{TestApp, unique_email};
use serde_json::json;

#[tokio::test]
async fn topic_thread_votes_and_best_answer() {
    let app = TestApp::spawn().await;
    let asker = app.signup(&unique_email("asker")).await;
    let helper = app.signup(&unique_email("helper")).await;

    let created = app
        .post(
            "/api/v1/forums/topics",
            asker.token(),
            &json!({"title": "Weld porosity on galvanized sheet", "content": "What **worked** for you?", "category": "quality", "tags": ["Welding"]}),
        )
        .await;
    created.assert_status(201);
    let topic_id = created.json["topic"]["id"].as_str().unwrap().to_owned();
    let first_post = created.json["first_post"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        created.json["first_post"]["content_html"]
            .as_str()
            .unwrap()
            .contains("<strong>worked</strong>")
    );

    let answer = app
        .post(
            &format!("/api/v1/forums/topics/{topic_id}/posts"),
            helper.token(),
            &json!({"content": "Grind the zinc off first."}),
        )
        .await;
    answer.assert_status(201);
    let answer_id = answer.json["id"].as_str().unwrap().to_owned();
    let reply = app
        .post(
            &format!("/api/v1/forums/topics/{topic_id}/posts"),
            asker.token(),
            &json!({"content": "Thanks!", "parent_id": answer_id}),
        )
        .await;
    reply.assert_status(201);

    // Thread order: first post, the answer, its reply.
    let detail = app
        .get(&format!("/api/v1/forums/topics/{topic_id}"), helper.token())
        .await;
    detail.assert_status(200);
    let ids: Vec<&str> = detail.json["posts"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            first_post.as_str(),
            answer_id.as_str(),
            reply.json["id"].as_str().unwrap()
        ]
    );

    // Upvotes are idempotent; one's own post cannot be upvoted.
    for _ in 0..3 {
        let vote = app
            .request(
                reqwest::Method::PUT,
                &format!("/api/v1/forums/posts/{answer_id}/upvote"),
                asker.token(),
                None,
            )
            .await;
        vote.assert_status(200);
        assert_eq!(vote.json["upvote_count"], 1);
    }
    app.request(
        reqwest::Method::PUT,
        &format!("/api/v1/forums/posts/{answer_id}/upvote"),
        helper.token(),
        None,
    )
    .await
    .assert_problem(409, "cannot_upvote_own_post");
    let removed = app
        .delete(
            &format!("/api/v1/forums/posts/{answer_id}/upvote"),
            asker.token(),
        )
        .await;
    assert_eq!(removed.json["upvote_count"], 0);

    // Best answer: the helper cannot mark it; the asker can; the first post cannot be it.
    app.post(
        &format!("/api/v1/forums/posts/{answer_id}/best-answer"),
        helper.token(),
        &json!({}),
    )
    .await
    .assert_problem(403, "forbidden");
    let marked = app
        .post(
            &format!("/api/v1/forums/posts/{answer_id}/best-answer"),
            asker.token(),
            &json!({}),
        )
        .await;
    marked.assert_status(200);
    assert_eq!(marked.json["best_answer_post_id"], answer_id.as_str());
    app.post(
        &format!("/api/v1/forums/posts/{first_post}/best-answer"),
        asker.token(),
        &json!({}),
    )
    .await
    .assert_problem(409, "first_post_cannot_be_answer");

    // Editing someone else's post is refused; one's own keeps a revision.
    app.patch(
        &format!("/api/v1/forums/posts/{answer_id}"),
        asker.token(),
        &json!({"content": "hijacked"}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.patch(
        &format!("/api/v1/forums/posts/{answer_id}"),
        helper.token(),
        &json!({"content": "Grind the zinc off 20 mm around the joint."}),
    )
    .await
    .assert_status(200);
    let revisions = app
        .get(
            &format!("/api/v1/forums/posts/{answer_id}/revisions"),
            asker.token(),
        )
        .await;
    assert_eq!(revisions.json["items"].as_array().unwrap().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn lock_pin_permissions_and_deletion() {
    let app = TestApp::spawn().await;
    let (admin, member) = app.admin_and_member("admin", "member").await;
    let outsider = app.signup(&unique_email("outsider")).await;
    let topic = app
        .post(
            "/api/v1/forums/topics",
            member.token(),
            &json!({"title": "Cold room energy in July", "content": "Ideas?"}),
        )
        .await;
    topic.assert_status(201);
    let id = topic.json["topic"]["id"].as_str().unwrap().to_owned();

    app.post(
        &format!("/api/v1/forums/topics/{id}/pin"),
        member.token(),
        &json!({"pinned": true}),
    )
    .await
    .assert_problem(403, "forbidden");
    let pinned = app
        .post(
            &format!("/api/v1/forums/topics/{id}/pin"),
            admin.token(),
            &json!({"pinned": true}),
        )
        .await;
    pinned.assert_status(200);
    assert_eq!(pinned.json["pinned"], true);
    let locked = app
        .post(
            &format!("/api/v1/forums/topics/{id}/lock"),
            admin.token(),
            &json!({"locked": true}),
        )
        .await;
    assert_eq!(locked.json["locked"], true);
    app.post(
        &format!("/api/v1/forums/topics/{id}/posts"),
        outsider.token(),
        &json!({"content": "late"}),
    )
    .await
    .assert_problem(409, "topic_locked");

    app.delete(&format!("/api/v1/forums/topics/{id}"), outsider.token())
        .await
        .assert_problem(403, "forbidden");
    app.delete(&format!("/api/v1/forums/topics/{id}"), admin.token())
        .await
        .assert_status(204);
    app.get(&format!("/api/v1/forums/topics/{id}"), member.token())
        .await
        .assert_problem(404, "not_found");
    app.get("/api/v1/forums/topics/not-a-uuid", member.token())
        .await
        .assert_problem(404, "not_found");
    app.post(
        "/api/v1/forums/topics",
        member.token(),
        &json!({"title": "x", "content": ""}),
    )
    .await
    .assert_problem(422, "validation_failed");
    app.stop().await;
}

#[tokio::test]
async fn markdown_is_sanitized_and_lists_page_exactly() {
    let app = TestApp::spawn().await;
    let me = app.signup(&unique_email("writer")).await;
    let payload = "<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3)) <a href=\"https://ok.example\" style=\"color:red\">ok</a>";
    // Plain-text fields take no markup at all; nothing is created.
    let refused = app
        .post(
            "/api/v1/forums/topics",
            me.token(),
            &json!({"title": "Sanitizer check <b>bold</b>", "content": payload, "tags": ["<img src=x onerror=alert(1)>"]}),
        )
        .await;
    refused.assert_problem(422, "validation_failed");
    let codes: Vec<_> = refused.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            ("title", "markup_not_allowed"),
            ("tags[0]", "markup_not_allowed")
        ]
    );
    let created = app
        .post(
            "/api/v1/forums/topics",
            me.token(),
            &json!({"title": "Sanitizer check: is a < b?", "content": payload}),
        )
        .await;
    created.assert_status(201);
    assert_eq!(created.json["topic"]["title"], "Sanitizer check: is a < b?");
    let html = created.json["first_post"]["content_html"]
        .as_str()
        .unwrap()
        .to_lowercase();
    for bad in [
        "<script",
        "onerror=",
        "href=\"javascript:",
        "src=\"javascript:",
        "style=",
    ] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    assert!(html.contains("https://ok.example"));

    for i in 0..4 {
        app.post("/api/v1/forums/topics", me.token(), &json!({"title": format!("Paging topic number {i}"), "content": "body", "tags": ["paging"]}))
            .await
            .assert_status(201);
    }
    let pages = app
        .all_pages("/api/v1/forums/topics?tag=paging&limit=3", me.token())
        .await;
    let seen: Vec<String> = pages
        .iter()
        .flat_map(|page| page["items"].as_array().unwrap().clone())
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (4, 4), "no skip, no repeat");
    app.get("/api/v1/forums/topics?sort=nonsense", me.token())
        .await
        .assert_problem(422, "validation_failed");
    app.stop().await;
}

#[tokio::test]
async fn attachments_follow_their_posts() {
    use crate::files::{api_path, fetch, multipart, png, post_multipart};
    let app = TestApp::spawn().await;
    let author = app.signup(&unique_email("attacher")).await;
    let reader = app.signup(&unique_email("reader")).await;
    let image = png(3_000);
    let upload = post_multipart(
        &app,
        "/api/v1/files",
        &author,
        multipart("valve.png", "image/png", &image),
    )
    .await;
    upload.assert_status(201);
    let file_id = upload.json["id"].as_str().unwrap().to_owned();
    let path = api_path(upload.json["url"].as_str().unwrap());
    // Not attached yet: only its uploader sees it.
    app.get(&path, reader.token())
        .await
        .assert_problem(404, "not_found");

    // Someone else's upload cannot be attached; nothing is created.
    let stolen = app
        .post(
            "/api/v1/forums/topics",
            reader.token(),
            &json!({"title": "Borrowed drawing", "content": "Look", "attachments": [file_id]}),
        )
        .await;
    stolen.assert_problem(404, "not_found");
    assert_eq!(
        stolen.json["errors"][0]["field"], "attachments[0]",
        "{}",
        stolen.text
    );
    let listed = app.get("/api/v1/forums/topics", reader.token()).await;
    assert!(!listed.text.contains("Borrowed drawing"), "{}", listed.text);

    let created = app
        .post(
            "/api/v1/forums/topics",
            author.token(),
            &json!({"title": "Valve seat drawing", "content": "Attached.", "attachments": [file_id]}),
        )
        .await;
    created.assert_status(201);
    let attachment = &created.json["first_post"]["attachments"][0];
    assert_eq!(attachment["id"], file_id.as_str(), "{}", created.text);
    assert_eq!(attachment["filename"], "valve.png");
    assert_eq!(attachment["content_type"], "image/png");
    assert_eq!(attachment["size"], image.len());
    // Attached: any signed-in user fetches the same bytes; anonymous callers cannot.
    assert_eq!(fetch(&app, &path, &reader).await, image);
    app.get(&path, None).await.assert_status(401);
    let topic_id = created.json["topic"]["id"].as_str().unwrap().to_owned();
    let detail = app
        .get(&format!("/api/v1/forums/topics/{topic_id}"), reader.token())
        .await;
    assert_eq!(
        detail.json["posts"]["items"][0]["attachments"][0]["url"], attachment["url"],
        "{}",
        detail.text
    );

    // Deleting the topic takes the file with it.
    app.delete(&format!("/api/v1/forums/topics/{topic_id}"), author.token())
        .await
        .assert_status(204);
    app.get(&path, reader.token())
        .await
        .assert_problem(404, "not_found");
    app.get(&path, author.token())
        .await
        .assert_problem(404, "not_found");
    app.stop().await;
}
