//! Test environment: a fresh database per test (SQLite file or PostgreSQL
//! database), migrated, with the identity and organization services wired on
//! the kernel's in-memory adapters and a manual clock.

use futures_util::FutureExt;
use p2p_identity::{ClientInfo, Identity, IdentityConfig, IdentityService, SignupRequest};
use p2p_kernel::adapters::memory::{BroadcastEventBus, MemoryCache, MemoryRateLimiter};
use p2p_kernel::ports::Clock;
use p2p_kernel::{Actor, DomainError, ErrorCode, testenv};
use p2p_migration::{Migrator, MigratorTrait};
use p2p_orgs::{OrgRecord, OrgService, OrganizationRegistry, OrganizationTable, Organizations};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, TransactionTrait};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

pub const PASSWORD: &str = "correct-horse-7";

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A clock the test moves by hand.
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    pub fn advance(&self, by: time::Duration) {
        if let Ok(mut now) = self.0.lock() {
            *now += by;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        self.0
            .lock()
            .map(|t| *t)
            .unwrap_or_else(|_| OffsetDateTime::now_utc())
    }
}

pub struct Env {
    pub db: DatabaseConnection,
    pub identity: Arc<dyn IdentityService>,
    pub orgs: Arc<dyn OrgService>,
    pub clock: Arc<ManualClock>,
    pub cache: Arc<MemoryCache>,
    pub events: Arc<BroadcastEventBus>,
    pub config: IdentityConfig,
}

impl Env {
    /// Another server instance: same database and cache, its own service.
    pub fn second_instance(&self) -> Arc<dyn IdentityService> {
        Arc::new(Identity::new(
            self.db.clone(),
            self.cache.clone(),
            Arc::new(MemoryRateLimiter::default()),
            Arc::new(BroadcastEventBus::default()),
            self.clock.clone(),
            Arc::new(OrganizationTable::new(self.db.clone())),
            self.config.clone(),
        ))
    }

    /// The organization that owns `domain`, if any.
    pub async fn organization_of_domain(&self, domain: &str) -> Option<OrgRecord> {
        let txn = self.db.begin().await.unwrap();
        let org = OrganizationTable::new(self.db.clone())
            .find_by_domain_in(&txn, domain)
            .await
            .unwrap();
        txn.commit().await.unwrap();
        org
    }

    /// Signs up `first@domain` with organization `org_name`.
    pub async fn signup(&self, email: &str, org_name: &str) -> p2p_identity::AuthResponse {
        self.identity
            .signup(signup_request(email, org_name), ClientInfo::default())
            .await
            .unwrap_or_else(|e| panic!("signup of {email} failed: {e}"))
    }

    pub async fn actor(&self, access_token: &str) -> Actor {
        self.identity
            .authenticate(access_token)
            .await
            .unwrap_or_else(|e| panic!("authenticate failed: {e}"))
    }

    /// The bodies of the emails queued for `to`, oldest first.
    pub async fn emails_to(&self, to: &str) -> Vec<String> {
        let stmt = Query::select()
            .column(Alias::new("body_text"))
            .column(Alias::new("created_at"))
            .from(Alias::new("mail_outbox"))
            .and_where(Expr::col(Alias::new("recipient")).eq(to))
            .to_owned();
        let rows = self
            .db
            .query_all(&stmt)
            .await
            .unwrap_or_else(|e| panic!("outbox query failed: {e}"));
        let mut mails: Vec<(OffsetDateTime, String)> = rows
            .iter()
            .map(|r| {
                (
                    r.try_get::<OffsetDateTime>("", "created_at")
                        .unwrap_or_else(|e| panic!("{e}")),
                    r.try_get::<String>("", "body_text")
                        .unwrap_or_else(|e| panic!("{e}")),
                )
            })
            .collect();
        mails.sort_by_key(|(t, _)| *t);
        mails.into_iter().map(|(_, body)| body).collect()
    }

    /// The token of the link `{public_url}/{path}?token=…` in the latest email to `to`.
    pub async fn link_token(&self, to: &str, path: &str) -> String {
        let mails = self.emails_to(to).await;
        let body = mails
            .last()
            .unwrap_or_else(|| panic!("no email was queued for {to}"));
        token_in(body, &format!("{}/{path}?token=", self.config.public_url))
            .unwrap_or_else(|| panic!("no {path} link in: {body}"))
    }
}

pub fn token_in(body: &str, prefix: &str) -> Option<String> {
    let start = body.find(prefix)? + prefix.len();
    Some(
        body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect(),
    )
}

pub fn signup_request(email: &str, org_name: &str) -> SignupRequest {
    SignupRequest {
        email: email.into(),
        password: PASSWORD.into(),
        first_name: "Ann".into(),
        last_name: "Lee".into(),
        organization_name: org_name.into(),
    }
}

pub fn client(ip: &str) -> ClientInfo {
    ClientInfo {
        ip: Some(ip.into()),
        user_agent: Some("test-agent/1.0".into()),
    }
}

/// The error's stable code and HTTP status.
pub fn code<T: std::fmt::Debug>(result: Result<T, DomainError>) -> (u16, String) {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => (e.kind().status(), e.code().as_str().to_owned()),
    }
}

/// The field errors' (field, code) pairs.
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

pub fn test_config() -> IdentityConfig {
    let mut config = IdentityConfig::new(vec![42u8; 32], "http://p2p.test");
    config.hash_concurrency = 2;
    config
}

struct OpenDb {
    db: DatabaseConnection,
    cleanup: Cleanup,
}

enum Cleanup {
    File(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

async fn connect(url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options.max_connections(5).sqlx_logging(false);
    Database::connect(options).await
}

async fn open(backend: Backend) -> OpenDb {
    match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!(
                "p2p-identity-test-{}.db",
                uuid::Uuid::new_v4().simple()
            ));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            let db = connect(&url)
                .await
                .unwrap_or_else(|e| panic!("sqlite {url}: {e}"));
            OpenDb {
                db,
                cleanup: Cleanup::File(path),
            }
        }
        Backend::Postgres => {
            let admin_url = testenv::postgres_admin_url();
            let admin = connect(&admin_url)
                .await
                .unwrap_or_else(|e| panic!("{}", testenv::missing("PostgreSQL", &admin_url, e)));
            let name = format!("p2p_test_{}", uuid::Uuid::new_v4().simple());
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap_or_else(|e| panic!("{}", testenv::missing("PostgreSQL", &admin_url, e)));
            let _ = admin.close().await;
            let url = database_url(&admin_url, &name);
            let db = connect(&url)
                .await
                .unwrap_or_else(|e| panic!("{}", testenv::missing("PostgreSQL", &url, e)));
            OpenDb {
                db,
                cleanup: Cleanup::Postgres { admin_url, name },
            }
        }
    }
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

async fn cleanup(db: DatabaseConnection, cleanup: Cleanup) {
    let _ = db.close().await;
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

/// Runs `test` on a fresh, migrated database of `backend` and drops it after.
pub async fn run_with<F, Fut>(
    backend: Backend,
    configure: impl FnOnce(&mut IdentityConfig),
    test: F,
) where
    F: FnOnce(Env) -> Fut,
    Fut: Future<Output = ()>,
{
    let OpenDb { db, cleanup: c } = open(backend).await;
    let migrated = Migrator::up(&db, None).await;
    let outcome = match migrated {
        Err(e) => Err(Box::new(format!("migration failed: {e}")) as Box<dyn std::any::Any + Send>),
        Ok(()) => {
            let mut config = test_config();
            configure(&mut config);
            let clock = Arc::new(ManualClock(Mutex::new(OffsetDateTime::now_utc())));
            let cache = Arc::new(MemoryCache::default());
            let events = Arc::new(BroadcastEventBus::default());
            let identity = Identity::new(
                db.clone(),
                cache.clone(),
                Arc::new(MemoryRateLimiter::default()),
                events.clone(),
                clock.clone(),
                Arc::new(OrganizationTable::new(db.clone())),
                config.clone(),
            );
            let orgs = Organizations::new(
                db.clone(),
                identity.member_directory(),
                Vec::new(),
                events.clone(),
                clock.clone(),
            );
            let env = Env {
                db: db.clone(),
                identity: Arc::new(identity),
                orgs: Arc::new(orgs),
                clock,
                cache,
                events,
                config,
            };
            AssertUnwindSafe(test(env)).catch_unwind().await
        }
    };
    cleanup(db, c).await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Env) -> Fut,
    Fut: Future<Output = ()>,
{
    run_with(backend, |_| {}, test).await;
}

/// Runs an `async fn(Env)` as two tests: `sqlite` and `postgres`.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::support::run($crate::support::Backend::Sqlite, super::$name).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::support::run($crate::support::Backend::Postgres, super::$name).await;
            }
        }
    )+};
}

#[test]
fn database_urls() {
    assert_eq!(
        database_url("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        database_url("postgres://u@h/postgres?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
}

impl ManualClock {
    pub fn now_date(&self) -> time::Date {
        self.now().date()
    }
}
