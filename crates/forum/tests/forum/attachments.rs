//! Post attachments through the files service: who may attach what, who may
//! fetch it, and what happens to the files when posts change or go.

use crate::support::Env;
use p2p_forum::{NewPost, PostPatch};
use p2p_kernel::ErrorCode;
use p2p_kernel::PageRequest;
use p2p_kernel::ids::{FileId, OrgId};

pub async fn attach_fetch_and_release(env: Env) {
    let (ann, bob) = (env.member(OrgId::new()), env.member(OrgId::new()));
    let outsider = env.member(OrgId::new());
    let drawing = env.upload_png(&ann, "drawing.png").await;
    let photo = env.upload_png(&ann, "photo.png").await;
    // Unattached: only the uploader sees it.
    assert!(env.can_fetch(&ann, drawing.id).await);
    assert!(!env.can_fetch(&outsider, drawing.id).await);

    let topic = env.topic(&ann, "Valve seat erosion").await;
    let post = env
        .forum
        .create_post(
            &ann,
            topic.topic.id,
            NewPost {
                content: "See the drawing and the photo.".into(),
                parent_id: None,
                attachments: Some(vec![drawing.id, photo.id]),
            },
        )
        .await
        .unwrap();
    assert_eq!(post.attachments, vec![drawing.clone(), photo.clone()]);
    // Attached to a post: every signed-in user may fetch it.
    assert!(env.can_fetch(&outsider, drawing.id).await);
    let detail = env
        .forum
        .get_topic(&bob, topic.topic.id, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(detail.posts.items[1].attachments, post.attachments);

    // A file already attached elsewhere, someone else's upload, an unknown id.
    let bobs = env.upload_png(&bob, "bob.png").await;
    let refused = env
        .forum
        .create_post(
            &bob,
            topic.topic.id,
            NewPost {
                content: "Reusing files.".into(),
                parent_id: None,
                attachments: Some(vec![bobs.id, drawing.id, FileId::new()]),
            },
        )
        .await;
    // Files the caller may not attach are, to the caller, files that do not exist: 404, each named.
    let refused = refused.expect_err("attaching others' files must fail");
    assert_eq!(refused.kind().status(), 404, "{refused}");
    let named: Vec<&str> = refused
        .field_errors()
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(named, ["attachments[1]", "attachments[2]"]);
    // Nothing was written: bob's upload is still his alone and unattached.
    assert!(!env.can_fetch(&outsider, bobs.id).await);
    let again = env
        .forum
        .get_topic(&bob, topic.topic.id, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(again.topic.post_count, 2);

    // An edit keeps the photo, drops the drawing, adds a new upload.
    let sketch = env.upload_png(&ann, "sketch.png").await;
    let edited = env
        .forum
        .update_post(
            &ann,
            post.id,
            PostPatch {
                content: "See the photo and the sketch.".into(),
                attachments: Some(vec![photo.id, sketch.id]),
            },
        )
        .await
        .unwrap();
    assert_eq!(edited.attachments, vec![photo.clone(), sketch.clone()]);
    assert!(!env.can_fetch(&outsider, drawing.id).await);
    assert!(env.can_fetch(&outsider, sketch.id).await);
    // An edit without `attachments` leaves them alone.
    let kept = env
        .forum
        .update_post(
            &ann,
            post.id,
            PostPatch {
                content: "Same files.".into(),
                attachments: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(kept.attachments, edited.attachments);

    // Deleting the post takes its files (even from the uploader).
    env.forum.delete_post(&ann, post.id).await.unwrap();
    assert!(!env.can_fetch(&outsider, photo.id).await);
    assert!(!env.can_fetch(&ann, photo.id).await);

    // Deleting a topic takes the files of all its posts.
    let first = env.upload_png(&bob, "first.png").await;
    let reply = env.upload_png(&ann, "reply.png").await;
    let other = env
        .forum
        .create_topic(
            &bob,
            p2p_forum::NewTopic {
                title: "Gearbox oil analysis".into(),
                content: "Report attached.".into(),
                attachments: Some(vec![first.id]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(other.first_post.attachments, vec![first.clone()]);
    env.forum
        .create_post(
            &ann,
            other.topic.id,
            NewPost {
                content: "Ours for comparison.".into(),
                parent_id: None,
                attachments: Some(vec![reply.id]),
            },
        )
        .await
        .unwrap();
    assert!(env.can_fetch(&outsider, first.id).await);
    assert!(env.can_fetch(&outsider, reply.id).await);
    env.forum.delete_topic(&bob, other.topic.id).await.unwrap();
    assert!(!env.can_fetch(&outsider, first.id).await);
    assert!(!env.can_fetch(&ann, reply.id).await);
    // The sweeper removes released files.
    assert!(env.files.sweep_expired().await.unwrap() >= 4);
}

p2p_testkit::on_both!(attach_fetch_and_release);
