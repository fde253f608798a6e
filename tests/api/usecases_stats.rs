//! Counting on use cases: views (once per user per day, under concurrent
//! requests) and an organization's daily publications.

use crate::usecases::{create, create_published, use_case, wait_for_views};
use p2p_tests::{Session, TestApp, unique_email};
use time::OffsetDateTime;

#[tokio::test]
async fn views_count_once_per_user_per_day_under_concurrency() {
    let app = TestApp::spawn().await;
    let owner = app.signup(&unique_email("uc-views")).await;
    let viewer = app.signup(&unique_email("uc-viewer")).await;
    let id = create_published(
        &app,
        &owner,
        &use_case("Viewed", "Energy", &[], &[], "Riyadh"),
    )
    .await;
    let path = format!("/api/v1/use-cases/{id}");
    let (a, b) = tokio::join!(burst(&app, &path, &owner), burst(&app, &path, &viewer));
    assert!(a.iter().chain(b.iter()).all(|r| r.status == 200));
    assert_eq!(wait_for_views(&app, &owner, &id, 2).await, 2);
    // More requests the same day change nothing.
    burst(&app, &path, &viewer).await;
    let third = app.signup(&unique_email("uc-viewer3")).await;
    app.get(&path, third.token()).await.assert_status(200);
    assert_eq!(
        wait_for_views(&app, &owner, &id, 3).await,
        3,
        "one more user, one more view"
    );
    app.stop().await;
}

/// Twelve concurrent `GET`s of `path` by `who`.
async fn burst(app: &TestApp, path: &str, who: &Session) -> Vec<p2p_tests::Response> {
    let requests: Vec<_> = (0..12).map(|_| app.get(path, who.token())).collect();
    futures_util::future::join_all(requests).await
}

#[tokio::test]
async fn organization_activity_counts_publications_per_day() {
    let app = TestApp::spawn().await;
    let a = app.signup(&unique_email("uc-stats")).await;
    for title in ["First", "Second"] {
        create_published(
            &app,
            &a,
            &use_case(title, "Energy", &["IoT"], &[], "Riyadh"),
        )
        .await;
    }
    create(
        &app,
        &a,
        &use_case("Draft", "Energy", &["IoT"], &[], "Riyadh"),
    )
    .await;
    let stats = app.get("/api/v1/organizations/stats", a.token()).await;
    stats.assert_status(200);
    let activity = stats.json["activity"].as_array().unwrap();
    assert_eq!(activity.len(), 30);
    let today = OffsetDateTime::now_utc().date().to_string();
    let last = activity.last().unwrap();
    assert_eq!(last["date"], today.as_str());
    assert_eq!(last["count"], 2, "drafts are not counted");
    assert_eq!(
        activity
            .iter()
            .map(|d| d["count"].as_u64().unwrap())
            .sum::<u64>(),
        2
    );
    assert_eq!(stats.json["use_cases"], 3);
    app.stop().await;
}
