//! Test environment: fresh databases from the shared harness (`p2p-testkit`),
//! with the identity and organization services wired on the kernel's
//! in-memory adapters and a clock the test moves.

use p2p_identity::{
    AcceptInviteRequest, AuthResponse, ClientInfo, Identity, IdentityConfig, IdentityService,
    InviteRequest, Passwords, SignupRequest,
};
use p2p_kernel::adapters::memory::{BroadcastEventBus, MemoryCache, MemoryRateLimiter};
use p2p_kernel::ports::UserDirectory;
use p2p_kernel::{Actor, Role};
use p2p_orgs::{OrgRecord, OrgService, OrganizationRegistry, OrganizationTable, Organizations};
pub use p2p_testkit::{Backend, code, fields};
use p2p_testkit::{Databases, TickingClock};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use std::future::Future;
use std::sync::Arc;
use time::OffsetDateTime;

pub const PASSWORD: &str = "correct-horse-7";

pub struct Env {
    pub db: DatabaseConnection,
    pub identity: Arc<dyn IdentityService>,
    pub orgs: Arc<dyn OrgService>,
    /// The kernel's user directory, as identity gives it to content domains.
    pub users: Arc<dyn UserDirectory>,
    pub clock: Arc<TickingClock>,
    pub cache: Arc<MemoryCache>,
    pub events: Arc<BroadcastEventBus>,
    pub config: IdentityConfig,
    /// The service's password hasher (it counts the hashes it runs).
    pub passwords: Passwords,
}

impl Env {
    /// Another server instance: same database and cache, its own service.
    pub fn second_instance(&self) -> Arc<dyn IdentityService> {
        Arc::new(identity(
            &self.db,
            self.cache.clone(),
            Arc::new(BroadcastEventBus::default()),
            self.clock.clone(),
            self.config.clone(),
        ))
    }

    /// The organization that claimed `domain`, if any.
    pub async fn claimer_of(&self, domain: &str) -> Option<OrgRecord> {
        let txn = self.db.begin().await.unwrap();
        let org = OrganizationTable::new(self.db.clone())
            .find_claimer_in(&txn, domain)
            .await
            .unwrap();
        txn.commit().await.unwrap();
        org
    }

    /// How many organizations have the email domain `domain`, claimed or not.
    pub async fn organizations_of_domain(&self, domain: &str) -> usize {
        let stmt = Query::select()
            .column(Alias::new("id"))
            .from(Alias::new("organizations"))
            .and_where(Expr::col(Alias::new("domain")).eq(domain))
            .to_owned();
        self.db.query_all(&stmt).await.unwrap().len()
    }

    /// Follows the latest verification link emailed to `email`.
    pub async fn verify(&self, email: &str) {
        let token = self.link_token(email, "verify-email").await;
        self.identity
            .verify_email(&token)
            .await
            .unwrap_or_else(|e| panic!("verification of {email} failed: {e}"));
    }

    /// Signs up `first@domain` with organization `org_name`.
    pub async fn signup(&self, email: &str, org_name: &str) -> AuthResponse {
        self.identity
            .signup(signup_request(email, org_name), ClientInfo::default())
            .await
            .unwrap_or_else(|e| panic!("signup of {email} failed: {e}"))
    }

    /// Invites `email` into `admin`'s organization with `role` and accepts
    /// the invitation as `first_name last_name`.
    pub async fn add_member(
        &self,
        admin: &Actor,
        email: &str,
        role: Role,
        (first_name, last_name): (&str, &str),
    ) -> AuthResponse {
        let invite = InviteRequest {
            email: email.into(),
            role,
            locale: None,
        };
        self.identity.invite(admin, invite).await.unwrap();
        let token = self.link_token(email, "accept-invite").await;
        let accept = AcceptInviteRequest {
            token,
            password: PASSWORD.into(),
            first_name: first_name.into(),
            last_name: last_name.into(),
        };
        self.identity
            .accept_invite(accept, client("10.20.0.1"))
            .await
            .unwrap_or_else(|e| panic!("{email} could not join: {e}"))
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
        locale: None,
    }
}

pub fn test_config() -> IdentityConfig {
    let mut config = IdentityConfig::new(vec![42u8; 32], "http://p2p.test");
    config.hash_concurrency = 2;
    config
}

/// An identity service over `db` with its own rate limiter.
fn identity(
    db: &DatabaseConnection,
    cache: Arc<MemoryCache>,
    events: Arc<BroadcastEventBus>,
    clock: Arc<TickingClock>,
    config: IdentityConfig,
) -> Identity {
    Identity::new(
        db.clone(),
        cache,
        Arc::new(MemoryRateLimiter::default()),
        events,
        clock,
        Arc::new(OrganizationTable::new(db.clone())),
        config,
    )
}

/// The services of one test over `db`.
fn environment(db: DatabaseConnection, config: IdentityConfig) -> Env {
    let clock = Arc::new(TickingClock::new());
    let cache = Arc::new(MemoryCache::default());
    let events = Arc::new(BroadcastEventBus::default());
    let identity = identity(
        &db,
        cache.clone(),
        events.clone(),
        clock.clone(),
        config.clone(),
    );
    let users = identity.user_directory();
    let passwords = identity.passwords().clone();
    let orgs = Organizations::new(
        db.clone(),
        identity.member_directory(),
        Vec::new(),
        events.clone(),
        clock.clone(),
    );
    Env {
        db,
        identity: Arc::new(identity),
        orgs: Arc::new(orgs),
        users,
        clock,
        cache,
        events,
        config,
        passwords,
    }
}

/// Runs `test` on fresh, migrated databases of `backend` (dropped after), with
/// the identity configuration changed by `configure`.
pub async fn run_with<F, Fut>(
    backend: Backend,
    configure: impl FnOnce(&mut IdentityConfig),
    test: F,
) where
    F: FnOnce(Env) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut config = test_config();
    configure(&mut config);
    let databases = Databases::open(backend, false).await;
    p2p_testkit::run(databases, |db, _| test(environment(db, config))).await;
}

/// The runner of `p2p_testkit::on_both!`.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Env) -> Fut,
    Fut: Future<Output = ()>,
{
    run_with(backend, |_| {}, test).await;
}
