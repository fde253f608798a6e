//! The files service on both backends and a local directory: attachment rules and
//! the sweeper (unattached uploads expire; files of released owners and
//! detached files are deleted, object and row; attached files stay).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use p2p_kernel::ids::{FileId, OrgId};
use p2p_kernel::ports::{FileOwner, FileUpload, Files};
use p2p_kernel::{Actor, ErrorCode};
use p2p_storage::{FileManager, FilesConfig, LocalStore, ObjectStore, PresignRequest, bytes_body};
use p2p_testkit::member;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0 picture bytes";

fn png() -> FileUpload {
    FileUpload {
        filename: Some("a.png".into()),
        content_type: Some("image/png".into()),
        body: bytes_body(PNG),
    }
}

struct Env {
    files: FileManager,
    store: Arc<LocalStore>,
    dir: std::path::PathBuf,
}

mod support {
    //! The relational database from the shared harness (`p2p-testkit`).

    use p2p_testkit::{Backend, Databases};
    use sea_orm::DatabaseConnection;

    /// Runs `test` with a fresh migrated database of `backend`; drops it afterwards.
    pub async fn run<Fut>(backend: Backend, test: fn(DatabaseConnection) -> Fut)
    where
        Fut: std::future::Future<Output = ()>,
    {
        let databases = Databases::open(backend, false).await;
        p2p_testkit::run(databases, move |sql, _| test(sql)).await;
    }
}

p2p_testkit::on_both!(
    attachment_rules,
    the_sweeper_deletes_what_nothing_holds,
    unattached_uploads_expire,
    presigned_uploads_are_copied_once_checked_and_their_staging_swept,
    own_files_are_listed_with_their_links,
);

mod own;
use own::own_files_are_listed_with_their_links;

async fn env(db: DatabaseConnection, unattached_ttl: Duration) -> Env {
    env_with(db, |config| config.unattached_ttl = unattached_ttl).await
}

/// The files service over `db` and a fresh local store (its directory goes with the `Env`).
async fn env_with(db: DatabaseConnection, adjust: impl FnOnce(&mut FilesConfig)) -> Env {
    let dir = std::env::temp_dir().join(format!("p2p-files-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Arc::new(
        LocalStore::open(dir.join("files"), "http://127.0.0.1:1", &[7u8; 32])
            .await
            .unwrap(),
    );
    let mut config = FilesConfig::new("http://127.0.0.1:1");
    adjust(&mut config);
    Env {
        files: FileManager::new(db, store.clone(), config),
        store,
        dir,
    }
}

impl Env {
    /// Keys of the objects under `prefix` (the local store's directory layout).
    fn objects_under(&self, prefix: &str) -> Vec<String> {
        std::fs::read_dir(self.store.root().join("objects").join(prefix))
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| format!("{prefix}/{}", e.file_name().to_string_lossy()))
                    .collect()
            })
            .unwrap_or_default()
    }

    async fn exists(&self, id: FileId, org: OrgId) -> bool {
        self.store
            .head(&format!("files/{org}/{id}"))
            .await
            .unwrap()
            .is_some()
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn field_codes(e: p2p_kernel::DomainError) -> Vec<(String, String)> {
    e.field_errors()
        .iter()
        .map(|f| (f.field.clone(), f.code.as_str().to_owned()))
        .collect()
}

async fn attachment_rules(db: DatabaseConnection) {
    let env = env(db, Duration::from_secs(3600)).await;
    let (me, other) = (member(), member());
    let mine = env.files.upload(&me, png()).await.unwrap();
    let theirs = env.files.upload(&other, png()).await.unwrap();
    assert_eq!(mine.content_type, "image/png");
    assert_eq!(mine.size, PNG.len() as u64);
    let post = FileOwner::new("forum_post", uuid::Uuid::now_v7());
    let message = FileOwner::new("message", uuid::Uuid::now_v7());

    let err = env
        .files
        .attach(&me, &post, &[mine.id, theirs.id, FileId::new(), mine.id])
        .await
        .unwrap_err();
    assert_eq!(
        field_codes(err),
        [
            ("files[1]".to_owned(), "unknown_file".to_owned()),
            ("files[2]".into(), "unknown_file".into()),
            ("files[3]".into(), "duplicate".into()),
        ]
    );
    let attached = env.files.attach(&me, &post, &[mine.id]).await.unwrap();
    assert_eq!(attached[0].id, mine.id);
    // Idempotent for the same owner, refused for another.
    env.files.attach(&me, &post, &[mine.id]).await.unwrap();
    let err = env
        .files
        .attach(&me, &message, &[mine.id])
        .await
        .unwrap_err();
    assert_eq!(field_codes(err)[0].1, "already_attached");
    // Someone else's attached file is as unknown as a missing one.
    let err = env
        .files
        .attach(&other, &message, &[mine.id])
        .await
        .unwrap_err();
    assert_eq!(field_codes(err)[0].1, "unknown_file");
    let described = env
        .files
        .describe(&post, &[theirs.id, mine.id])
        .await
        .unwrap();
    assert_eq!(described.len(), 1);
    assert_eq!(described[0].id, mine.id);
}

async fn the_sweeper_deletes_what_nothing_holds(db: DatabaseConnection) {
    let env = env(db, Duration::from_secs(3600)).await;
    let me = member();
    let owner = FileOwner::new("use_case", uuid::Uuid::now_v7());
    let kept = env.files.upload(&me, png()).await.unwrap();
    let dropped = env.files.upload(&me, png()).await.unwrap();
    let pending = env.files.upload(&me, png()).await.unwrap();
    env.files
        .attach(&me, &owner, &[kept.id, dropped.id])
        .await
        .unwrap();
    env.files.detach(&owner, &[dropped.id]).await.unwrap();
    assert_eq!(env.files.sweep_expired().await.unwrap(), 1);
    assert!(!env.exists(dropped.id, me.org_id).await);
    assert!(env.exists(kept.id, me.org_id).await, "attached files stay");
    assert!(env.exists(pending.id, me.org_id).await, "not expired yet");

    // The owner is deleted: its files go.
    env.files.release_owner(&owner).await.unwrap();
    assert_eq!(env.files.sweep_expired().await.unwrap(), 1);
    assert!(!env.exists(kept.id, me.org_id).await);
    let err = env.files.download(&me, kept.id).await.unwrap_err();
    assert_eq!(err.kind().status(), 404);
    assert_eq!(env.files.sweep_expired().await.unwrap(), 0);
}

async fn unattached_uploads_expire(db: DatabaseConnection) {
    let env = env(db, Duration::ZERO).await;
    let me = member();
    let file = env.files.upload(&me, png()).await.unwrap();
    assert!(env.exists(file.id, me.org_id).await);
    let owner = FileOwner::new("use_case", uuid::Uuid::now_v7());
    let err = env.files.attach(&me, &owner, &[file.id]).await.unwrap_err();
    assert_eq!(
        field_codes(err)[0].1,
        "unknown_file",
        "expired uploads cannot be attached"
    );
    assert_eq!(env.files.sweep_expired().await.unwrap(), 1);
    assert!(!env.exists(file.id, me.org_id).await);
}

/// What the server does with a presigned `PUT` of the local store.
async fn put_presigned(env: &Env, me: &Actor, id: FileId, bytes: &'static [u8]) -> bool {
    env.store
        .put_new(
            &format!("uploads/{}/{id}", me.org_id),
            "image/png",
            bytes_body(bytes),
        )
        .await
        .is_ok()
}

async fn presigned_uploads_are_copied_once_checked_and_their_staging_swept(db: DatabaseConnection) {
    let env = env_with(db, |config| config.presign_ttl = Duration::from_secs(1)).await;
    let me = member();
    let presign = |content_type: &str| PresignRequest {
        filename: "a.png".into(),
        content_type: content_type.into(),
        size: PNG.len() as u64,
    };
    let good = env.files.presign(&me, presign("image/png")).await.unwrap();
    let bad = env
        .files
        .presign(&me, presign("application/pdf"))
        .await
        .unwrap();
    assert!(put_presigned(&env, &me, good.file_id, PNG).await);
    assert!(put_presigned(&env, &me, bad.file_id, PNG).await);

    // First use: checked, then served from a copy of the checked bytes.
    env.files.download(&me, good.file_id).await.unwrap();
    let copies: Vec<String> = env
        .objects_under(&format!("files/{}", me.org_id))
        .into_iter()
        .filter(|key| key.contains(&good.file_id.to_string()))
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    let copy = env.store.get(&copies[0]).await.unwrap();
    assert_eq!(copy.meta.size, PNG.len() as u64);
    assert!(
        !put_presigned(&env, &me, good.file_id, b"\x89PNG other").await,
        "the URL stores bytes once"
    );
    // Refused content is gone at once; its staging object stays while the URL lives.
    let refused = env.files.download(&me, bad.file_id).await.unwrap_err();
    assert_eq!(refused.kind().status(), 415);
    let gone = env.files.download(&me, bad.file_id).await.unwrap_err();
    assert_eq!(gone.kind().status(), 404);
    assert_eq!(env.files.sweep_expired().await.unwrap(), 0);
    assert_eq!(env.files.sweep_staging().await.unwrap(), 0);
    assert_eq!(
        env.objects_under(&format!("uploads/{}", me.org_id)).len(),
        2
    );

    // Once the URLs have expired, the staging objects go; the copy stays.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    assert_eq!(env.files.sweep_staging().await.unwrap(), 1);
    assert_eq!(env.files.sweep_expired().await.unwrap(), 1);
    assert!(
        env.objects_under(&format!("uploads/{}", me.org_id))
            .is_empty()
    );
    assert!(env.store.head(&copies[0]).await.unwrap().is_some());
    env.files.download(&me, good.file_id).await.unwrap();
    assert_eq!(env.files.sweep_staging().await.unwrap(), 0);
}
