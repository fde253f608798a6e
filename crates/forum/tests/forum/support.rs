//! Test environment on the shared harness (`p2p-testkit`): fresh migrated
//! databases per test (SQLite, or PostgreSQL with posts in MongoDB), an
//! in-test user directory, the kernel's broadcast event bus, the testkit's
//! ticking clock and the real files service over a local directory.

use async_trait::async_trait;
use p2p_forum::{
    Forum, ForumFiles, ForumService, MongoPostStore, NewPost, NewTopic, POST_FILES, PostStore,
    SqlPostStore,
};
use p2p_kernel::adapters::memory::BroadcastEventBus;
use p2p_kernel::ids::{FileId, OrgId, SessionId, UserId};
use p2p_kernel::ports::{
    FileInfo, FileUpload, PortError, UserDirectory, UserSummary, handle_key, mention_handle,
};
use p2p_kernel::{Actor, Event, Role};
use p2p_storage::{FileManager, FilesConfig, LocalStore, bytes_body};
use p2p_testkit::Databases;
pub use p2p_testkit::{Backend, StoreKind, TickingClock, code, fields};
use sea_orm::DatabaseConnection;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Users known to the platform; counts the lookups.
#[derive(Default)]
pub struct TestDirectory {
    users: Mutex<Vec<UserSummary>>,
    pub summary_calls: AtomicUsize,
}

impl TestDirectory {
    pub fn add(&self, first: &str, last: &str, org: OrgId) -> UserSummary {
        let user = UserSummary {
            id: UserId::new(),
            display_name: format!("{first} {last}"),
            handle: mention_handle(first, last),
            organization_id: org,
            job_title: None,
            avatar_url: None,
            is_active: true,
            erased: false,
        };
        self.users.lock().unwrap().push(user.clone());
        user
    }

    pub fn deactivate(&self, id: UserId) {
        for u in self.users.lock().unwrap().iter_mut() {
            if u.id == id {
                u.is_active = false;
            }
        }
    }
}

#[async_trait]
impl UserDirectory for TestDirectory {
    async fn summaries(&self, ids: &[UserId]) -> Result<Vec<UserSummary>, PortError> {
        self.summary_calls.fetch_add(1, Ordering::SeqCst);
        Ok(self
            .users
            .lock()
            .unwrap()
            .iter()
            .filter(|u| ids.contains(&u.id))
            .cloned()
            .collect())
    }

    async fn find_by_handles(&self, handles: &[String]) -> Result<Vec<UserSummary>, PortError> {
        Ok(self
            .users
            .lock()
            .unwrap()
            .iter()
            .filter(|u| {
                u.is_active
                    && handles
                        .iter()
                        .any(|h| handle_key(h) == handle_key(&u.handle))
            })
            .cloned()
            .collect())
    }
}

pub struct Env {
    pub backend: Backend,
    pub db: DatabaseConnection,
    pub forum: Arc<dyn ForumService>,
    /// The same forum, for what only the concrete service offers (its event outbox).
    pub service: Forum,
    pub store: Arc<dyn PostStore>,
    pub events: Arc<BroadcastEventBus>,
    pub users: Arc<TestDirectory>,
    pub clock: Arc<TickingClock>,
    /// Attachments: the real files service over a local directory.
    pub files: FileManager,
    counter: AtomicUsize,
}

impl Env {
    fn actor(&self, org: OrgId, role: Role, superuser: bool) -> Actor {
        let n = self.counter.fetch_add(1, Ordering::SeqCst);
        let user = self.users.add(&format!("User{n}"), "Tester", org);
        Actor {
            user_id: user.id,
            org_id: org,
            role,
            is_superuser: superuser,
            session_id: SessionId::new(),
        }
    }

    pub fn member(&self, org: OrgId) -> Actor {
        self.actor(org, Role::Member, false)
    }

    pub fn admin(&self, org: OrgId) -> Actor {
        self.actor(org, Role::Admin, false)
    }

    pub fn superuser(&self) -> Actor {
        self.actor(OrgId::new(), Role::Member, true)
    }

    /// A member with a chosen name (for mentions).
    pub fn named(&self, org: OrgId, first: &str, last: &str) -> Actor {
        let user = self.users.add(first, last, org);
        Actor {
            user_id: user.id,
            org_id: org,
            role: Role::Member,
            is_superuser: false,
            session_id: SessionId::new(),
        }
    }

    /// Uploads a small PNG as `actor` (unattached until a post takes it).
    pub async fn upload_png(&self, actor: &Actor, name: &str) -> FileInfo {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0".to_vec();
        bytes.extend((0..512u32).map(|i| (i % 251) as u8));
        self.files
            .upload(
                actor,
                FileUpload {
                    filename: Some(name.into()),
                    content_type: Some("image/png".into()),
                    body: bytes_body(bytes),
                },
            )
            .await
            .unwrap_or_else(|e| panic!("upload failed: {e}"))
    }

    /// Whether `actor` may fetch the file (the files API's download check).
    pub async fn can_fetch(&self, actor: &Actor, file: FileId) -> bool {
        match self.files.download(actor, file).await {
            Ok(_) => true,
            Err(e) if e.kind_of() == p2p_kernel::ErrorKind::NotFound => false,
            Err(e) => panic!("download check failed: {e}"),
        }
    }

    /// Another server instance: same databases, its own service (and locks).
    pub fn second_instance(&self) -> Arc<dyn ForumService> {
        Arc::new(Forum::new(
            self.db.clone(),
            self.store.clone(),
            self.events.clone(),
            self.users.clone(),
            self.clock.clone(),
            Arc::new(self.files.clone()),
        ))
    }

    pub async fn topic(&self, actor: &Actor, title: &str) -> p2p_forum::TopicWithFirstPost {
        self.forum
            .create_topic(
                actor,
                NewTopic {
                    title: title.into(),
                    content: format!("Body of {title}"),
                    ..Default::default()
                },
            )
            .await
            .unwrap_or_else(|e| panic!("create_topic failed: {e}"))
    }

    pub async fn reply(
        &self,
        actor: &Actor,
        topic: p2p_kernel::ids::TopicId,
        parent: Option<p2p_kernel::ids::PostId>,
        content: &str,
    ) -> p2p_forum::PostView {
        self.forum
            .create_post(
                actor,
                topic,
                NewPost {
                    content: content.into(),
                    parent_id: parent,
                    attachments: None,
                },
            )
            .await
            .unwrap_or_else(|e| panic!("create_post failed: {e}"))
    }
}

/// Events received so far.
pub fn drain(rx: &mut broadcast::Receiver<Event>) -> Vec<Event> {
    let mut out = Vec::new();
    while let Ok(e) = rx.try_recv() {
        out.push(e);
    }
    out
}

/// Runs `test` on fresh databases of `backend` (the full stack keeps posts in
/// MongoDB) and removes them after.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Env) -> Fut,
    Fut: Future<Output = ()>,
{
    let databases = Databases::open(backend, true).await;
    let files_dir = std::env::temp_dir().join(format!("p2p-forum-files-{}", uuid::Uuid::new_v4()));
    let dir = &files_dir;
    p2p_testkit::run(databases, |db, mongo| async move {
        let store = post_store(&db, mongo.as_ref()).await;
        let events = Arc::new(BroadcastEventBus::default());
        let users = Arc::new(TestDirectory::default());
        let clock = Arc::new(TickingClock::new());
        let files = files_service(&db, dir).await;
        let forum = Forum::new(
            db.clone(),
            store.clone(),
            events.clone(),
            users.clone(),
            clock.clone(),
            Arc::new(files.clone()),
        );
        files.register_access(POST_FILES, Arc::new(ForumFiles(forum.clone())));
        let env = Env {
            backend,
            db,
            forum: Arc::new(forum.clone()),
            service: forum,
            store,
            events,
            users,
            clock,
            files,
            counter: AtomicUsize::new(0),
        };
        test(env).await;
    })
    .await;
    let _ = std::fs::remove_dir_all(&files_dir);
}

/// The post store over the test's databases: MongoDB when there is one.
async fn post_store(
    db: &DatabaseConnection,
    mongo: Option<&mongodb::Database>,
) -> Arc<dyn PostStore> {
    match mongo {
        Some(m) => Arc::new(
            MongoPostStore::init(m)
                .await
                .unwrap_or_else(|e| panic!("mongo indexes: {e}")),
        ),
        None => Arc::new(SqlPostStore::new(db.clone())),
    }
}

/// The files service over `db` and a local directory.
async fn files_service(db: &DatabaseConnection, dir: &std::path::Path) -> FileManager {
    let store = LocalStore::open(dir, "http://127.0.0.1:9", &[7u8; 32])
        .await
        .unwrap_or_else(|e| panic!("local file store: {e}"));
    FileManager::new(
        db.clone(),
        Arc::new(store),
        FilesConfig::new("http://127.0.0.1:9"),
    )
}

/// Runs a contract test against one post store on fresh databases.
pub async fn run_store<F, Fut>(kind: StoreKind, test: F)
where
    F: FnOnce(Arc<dyn PostStore>) -> Fut,
    Fut: Future<Output = ()>,
{
    let databases = Databases::for_store(kind).await;
    p2p_testkit::run(databases, |db, mongo| async move {
        test(post_store(&db, mongo.as_ref()).await).await;
    })
    .await;
}

/// Checks that sanitized HTML holds no active content: no dangerous tags, no
/// event handlers, no `style`, no script or data URLs.
pub fn assert_inert(html: &str) {
    for tag in html.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default().to_lowercase();
        let name = tag
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .trim_start_matches('/');
        for bad in [
            "script", "style", "iframe", "svg", "math", "form", "input", "object", "embed", "link",
            "meta", "base", "frame", "frameset", "textarea", "button", "select",
        ] {
            assert_ne!(name, bad, "<{tag}> survived in {html}");
        }
        for bad in ["javascript:", "vbscript:", "data:", "style=", "srcdoc"] {
            assert!(!tag.contains(bad), "{bad} survived in <{tag}> of {html}");
        }
        for attr in tag.split_whitespace().skip(1) {
            assert!(
                !attr.starts_with("on"),
                "handler {attr} in <{tag}> of {html}"
            );
        }
    }
}
