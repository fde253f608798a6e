//! `p2p-server backup` / `restore` (the embedded default): an online backup
//! taken while the server writes, restored into a new data directory, serves
//! the same accounts, sessions, content, search and files; a damaged backup
//! and a running server are refused without touching anything.

use crate::files::{api_path, fetch, multipart, png, post_multipart};
use crate::search::until;
use p2p_server::Settings;
use p2p_server::backup::{backup, restore};
use p2p_tests::{Backend, TestApp, unique_email};
use serde_json::json;
use std::path::{Path, PathBuf};

/// Searching "المضخات" (the pumps).
const SEARCH: &str = "/api/v1/search?q=%D8%A7%D9%84%D9%85%D8%B6%D8%AE%D8%A7%D8%AA";

fn scratch(label: &str) -> PathBuf {
    std::env::temp_dir().join(format!("p2p-{label}-{}", uuid::Uuid::new_v4().simple()))
}

fn settings_for(app: &TestApp, data_dir: &Path) -> Settings {
    let mut config = app.config().clone();
    config.data_dir = data_dir.to_owned();
    Settings::from_config(config).expect("settings")
}

#[tokio::test]
async fn an_online_backup_restores_accounts_content_search_and_files_elsewhere() {
    let app = TestApp::spawn().await;
    let dest = scratch("backup");
    if app.backend == Backend::Full {
        // The full stack is backed up with each service's tools: refused, nothing written.
        let settings = Settings::from_config(app.config().clone()).expect("settings");
        let refused = backup(&settings, &dest).await.expect_err("full stack");
        assert!(
            refused.to_string().contains("docs/operations.md"),
            "{refused}"
        );
        assert!(!dest.exists());
        app.stop().await;
        return;
    }
    let me = app.signup(&unique_email("backup")).await;
    let title = "صيانة المضخات الدورية";
    let created = app
        .post(
            "/api/v1/forums/topics",
            me.token(),
            &json!({"title": title, "content": "جدول الصيانة الوقائية للمضخات", "tags": ["صيانة"]}),
        )
        .await;
    created.assert_status(201);
    let topic = created.json["topic"]["id"].as_str().unwrap().to_owned();
    let image = png(200_000);
    let uploaded = post_multipart(
        &app,
        "/api/v1/files",
        &me,
        multipart("مخطط.png", "image/png", &image),
    )
    .await;
    uploaded.assert_status(201);
    let file = api_path(uploaded.json["url"].as_str().unwrap());

    // Indexed before the backup, so the index travels with it (after a real
    // restore the CLI reindexes anyway).
    until(&app, SEARCH, me.token(), |body| {
        body.to_string().contains(&topic)
    })
    .await;

    let settings = Settings::from_config(app.config().clone()).expect("settings");
    let manifest = backup(&settings, &dest).await.expect("online backup");
    assert!(
        manifest.files.count >= 2,
        "object and sidecar: {manifest:?}"
    );
    assert!(manifest.schema.is_some());
    assert!(
        backup(&settings, &dest).await.is_err(),
        "a backup never writes into a non-empty directory"
    );
    let later = app
        .post(
            "/api/v1/forums/topics",
            me.token(),
            &json!({"title": "After the backup", "content": "Not in it."}),
        )
        .await;
    later.assert_status(201);
    let later = later.json["topic"]["id"].as_str().unwrap().to_owned();

    // The server holds its data directory: restoring under it is refused.
    let running = restore(&settings, &dest).await.expect_err("server running");
    assert!(
        format!("{running:#}").contains("stop the server"),
        "{running:#}"
    );

    // A damaged backup is refused before anything changes.
    let target = scratch("restored");
    let damaged = scratch("damaged");
    copy_tree(&dest, &damaged);
    let object = first_file(&damaged.join("files/objects"));
    std::fs::write(&object, b"tampered").unwrap();
    let refused = restore(&settings_for(&app, &target), &damaged)
        .await
        .expect_err("damaged backup");
    assert!(refused.to_string().contains("does not match"), "{refused}");
    assert!(!target.join("p2p.db").exists());

    let restored = restore(&settings_for(&app, &target), &dest)
        .await
        .expect("restore");
    assert_eq!(restored.manifest, manifest);
    let config = app.config().clone();
    app.stop().await;

    let again = TestApp::spawn_with(|raw| {
        raw.data_dir = target.clone();
        raw.jwt = config.jwt.clone();
    })
    .await;
    // The same session, the same topic, the same bytes, the same search.
    let read = again
        .get(&format!("/api/v1/forums/topics/{topic}"), me.token())
        .await;
    read.assert_status(200);
    assert_eq!(read.json["topic"]["title"], title, "{}", read.text);
    again
        .get(&format!("/api/v1/forums/topics/{later}"), me.token())
        .await
        .assert_status(404);
    assert_eq!(fetch(&again, &file, &me).await, image);
    let found = again.get(SEARCH, me.token()).await;
    found.assert_status(200);
    assert!(found.text.contains(&topic), "{}", found.text);
    again.stop().await;
    for dir in [dest, damaged, target] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn first_file(dir: &Path) -> PathBuf {
    let path = std::fs::read_dir(dir)
        .unwrap()
        .next()
        .unwrap_or_else(|| panic!("no file under {}", dir.display()))
        .unwrap()
        .path();
    if path.is_dir() {
        first_file(&path)
    } else {
        path
    }
}
