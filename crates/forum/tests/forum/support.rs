//! Test environment: a fresh relational database per test (SQLite file or
//! PostgreSQL database), migrated, and for the full backend a fresh MongoDB
//! database; an in-test user directory, the kernel's broadcast event bus and
//! a clock that moves one millisecond per reading.

use async_trait::async_trait;
use futures_util::FutureExt;
use mongodb::bson::doc;
use p2p_forum::{
    Forum, ForumFiles, ForumService, MongoPostStore, NewPost, NewTopic, POST_FILES, PostStore,
    SqlPostStore,
};
use p2p_kernel::adapters::memory::BroadcastEventBus;
use p2p_kernel::ids::{FileId, OrgId, SessionId, UserId};
use p2p_kernel::ports::{
    Clock, FileInfo, FileUpload, PortError, UserDirectory, UserSummary, mention_handle,
};
use p2p_kernel::{Actor, DomainError, ErrorCode, Event, Role, testenv};
use p2p_migration::{Migrator, MigratorTrait};
use p2p_storage::{FileManager, FilesConfig, LocalStore, bytes_body};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::broadcast;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, posts in SQL.
    Sqlite,
    /// PostgreSQL, posts in MongoDB.
    Full,
}

/// Which post store a contract test runs against.
#[derive(Clone, Copy, Debug)]
pub enum StoreKind {
    SqlOnSqlite,
    SqlOnPostgres,
    Mongo,
}

/// A clock that moves one millisecond each time it is read, and by hand.
pub struct TickingClock(Mutex<OffsetDateTime>);

impl TickingClock {
    pub fn advance(&self, by: time::Duration) {
        if let Ok(mut now) = self.0.lock() {
            *now += by;
        }
    }
}

impl Clock for TickingClock {
    fn now(&self) -> OffsetDateTime {
        match self.0.lock() {
            Ok(mut now) => {
                *now += time::Duration::milliseconds(1);
                *now
            }
            Err(_) => OffsetDateTime::now_utc(),
        }
    }
}

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
            .filter(|u| u.is_active && handles.contains(&u.handle))
            .cloned()
            .collect())
    }
}

pub struct Env {
    pub backend: Backend,
    pub db: DatabaseConnection,
    pub forum: Arc<dyn ForumService>,
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

/// The error's HTTP status and stable code.
pub fn code<T: std::fmt::Debug>(result: Result<T, DomainError>) -> (u16, String) {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => (e.kind().status(), e.code().as_str().to_owned()),
    }
}

/// The (field, code) pairs of a 422.
pub fn fields<T: std::fmt::Debug>(result: Result<T, DomainError>) -> Vec<(String, String)> {
    match result {
        Ok(v) => panic!("expected a validation error, got {v:?}"),
        Err(e) => {
            assert_eq!(e.kind().status(), 422, "{e}");
            e.field_errors()
                .iter()
                .map(|f| (f.field.clone(), f.code.clone()))
                .collect()
        }
    }
}

enum Cleanup {
    File(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

async fn open_sqlite() -> (DatabaseConnection, Cleanup) {
    let path = std::env::temp_dir().join(format!(
        "p2p-forum-test-{}.db",
        uuid::Uuid::new_v4().simple()
    ));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let mut options = ConnectOptions::new(url.clone());
    options
        .max_connections(5)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o: SqliteConnectOptions| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
        });
    let db = Database::connect(options)
        .await
        .unwrap_or_else(|e| panic!("sqlite {url}: {e}"));
    (db, Cleanup::File(path))
}

async fn connect(url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.max_connections(5).sqlx_logging(false);
    Database::connect(options).await
}

/// The admin URL with its database name replaced.
fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (admin_url, None),
    };
    let prefix = match base.rsplit_once('/') {
        Some((p, _)) if p.contains("//") && !p.ends_with('/') => p.to_owned(),
        _ => base.trim_end_matches('/').to_owned(),
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

async fn open_postgres() -> (DatabaseConnection, Cleanup) {
    let admin_url = testenv::postgres_admin_url();
    let admin = connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("{}", testenv::missing("PostgreSQL", &admin_url, e)));
    let name = format!("p2p_forum_t_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap_or_else(|e| panic!("{}", testenv::missing("PostgreSQL", &admin_url, e)));
    let _ = admin.close().await;
    let url = database_url(&admin_url, &name);
    let db = connect(&url)
        .await
        .unwrap_or_else(|e| panic!("{}", testenv::missing("PostgreSQL", &url, e)));
    (db, Cleanup::Postgres { admin_url, name })
}

async fn open_mongo() -> mongodb::Database {
    let url = testenv::mongodb_url();
    let mut options = mongodb::options::ClientOptions::parse(&url)
        .await
        .unwrap_or_else(|e| panic!("{}", testenv::missing("MongoDB", &url, e)));
    options.server_selection_timeout = Some(Duration::from_secs(3));
    options.connect_timeout = Some(Duration::from_secs(3));
    let client = mongodb::Client::with_options(options)
        .unwrap_or_else(|e| panic!("{}", testenv::missing("MongoDB", &url, e)));
    let db = client.database(&format!("p2p_forum_t_{}", uuid::Uuid::new_v4().simple()));
    db.run_command(doc! { "ping": 1 })
        .await
        .unwrap_or_else(|e| panic!("{}", testenv::missing("MongoDB", &url, e)));
    db
}

async fn cleanup(db: DatabaseConnection, cleanup: Cleanup, mongo: Option<mongodb::Database>) {
    let _ = db.close().await;
    if let Some(mongo) = mongo {
        let _ = mongo.drop().await;
    }
    match cleanup {
        Cleanup::File(path) => {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
        Cleanup::Postgres { admin_url, name } => {
            if let Ok(admin) = connect(&admin_url).await {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
                let _ = admin.close().await;
            }
        }
    }
}

/// Runs `test` on fresh databases of `backend` and removes them after.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Env) -> Fut,
    Fut: Future<Output = ()>,
{
    // MongoDB first: a missing service must not leave a database behind.
    let mongo = match backend {
        Backend::Sqlite => None,
        Backend::Full => Some(open_mongo().await),
    };
    let (db, c) = match backend {
        Backend::Sqlite => open_sqlite().await,
        Backend::Full => open_postgres().await,
    };
    let files_dir = std::env::temp_dir().join(format!("p2p-forum-files-{}", uuid::Uuid::new_v4()));
    let outcome = match Migrator::up(&db, None).await {
        Err(e) => Err(Box::new(format!("migration failed: {e}")) as Box<dyn std::any::Any + Send>),
        Ok(()) => {
            let store: Arc<dyn PostStore> = match &mongo {
                Some(m) => Arc::new(
                    MongoPostStore::init(m)
                        .await
                        .unwrap_or_else(|e| panic!("mongo indexes: {e}")),
                ),
                None => Arc::new(SqlPostStore::new(db.clone())),
            };
            let events = Arc::new(BroadcastEventBus::default());
            let users = Arc::new(TestDirectory::default());
            let clock = Arc::new(TickingClock(Mutex::new(OffsetDateTime::now_utc())));
            let files = files_service(&db, &files_dir).await;
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
                db: db.clone(),
                forum: Arc::new(forum),
                store,
                events,
                users,
                clock,
                files,
                counter: AtomicUsize::new(0),
            };
            AssertUnwindSafe(test(env)).catch_unwind().await
        }
    };
    cleanup(db, c, mongo).await;
    let _ = std::fs::remove_dir_all(&files_dir);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
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
    let mongo = match kind {
        StoreKind::Mongo => Some(open_mongo().await),
        _ => None,
    };
    let (db, c) = match kind {
        StoreKind::SqlOnSqlite => open_sqlite().await,
        StoreKind::SqlOnPostgres | StoreKind::Mongo => open_postgres().await,
    };
    let outcome = match Migrator::up(&db, None).await {
        Err(e) => Err(Box::new(format!("migration failed: {e}")) as Box<dyn std::any::Any + Send>),
        Ok(()) => {
            let store: Arc<dyn PostStore> = match &mongo {
                Some(m) => Arc::new(
                    MongoPostStore::init(m)
                        .await
                        .unwrap_or_else(|e| panic!("mongo indexes: {e}")),
                ),
                None => Arc::new(SqlPostStore::new(db.clone())),
            };
            AssertUnwindSafe(test(store)).catch_unwind().await
        }
    };
    cleanup(db, c, mongo).await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Runs each `async fn(Env)` as two tests: `sqlite` and `full` (PostgreSQL + MongoDB).
#[macro_export]
macro_rules! on_both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::support::run($crate::support::Backend::Sqlite, super::$name).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn full() {
                $crate::support::run($crate::support::Backend::Full, super::$name).await;
            }
        }
    )+};
}

/// Runs each `async fn(Arc<dyn PostStore>)` against every store implementation.
#[macro_export]
macro_rules! every_store {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            use $crate::support::{StoreKind, run_store};
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sql_on_sqlite() {
                run_store(StoreKind::SqlOnSqlite, super::$name).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sql_on_postgres() {
                run_store(StoreKind::SqlOnPostgres, super::$name).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mongo() {
                run_store(StoreKind::Mongo, super::$name).await;
            }
        }
    )+};
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
