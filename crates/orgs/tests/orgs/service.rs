use async_trait::async_trait;
use p2p_kernel::adapters::memory::BroadcastEventBus;
use p2p_kernel::ids::{OrgId, SessionId, UserId};
use p2p_kernel::ports::SystemClock;
use p2p_kernel::{Actor, DayCount, DomainError, ErrorCode, Page, PageRequest, Role};
use p2p_orgs::{
    Claim, ContentCounts, ContentStatsSource, CreateOrgError, MemberDirectory, MemberView,
    NewOrganization, OrgPatch, OrgService, OrganizationRegistry, OrganizationTable,
    OrganizationView, Organizations,
};
use p2p_testkit::on_both;
use sea_orm::{DatabaseConnection, TransactionTrait};
use std::sync::Arc;
use time::{Date, Duration, OffsetDateTime};

on_both!(
    domains_are_unique_and_lower_case,
    unclaimed_domains_are_shared_until_one_claims,
    current_update_and_members,
    stats_sum_every_content_source,
);

/// Two members per organization, one of them new.
struct Directory;

#[async_trait]
impl MemberDirectory for Directory {
    async fn list_members(
        &self,
        _org: OrgId,
        page: &PageRequest,
    ) -> Result<Page<MemberView>, DomainError> {
        let member = |name: &str| MemberView {
            id: uuid::Uuid::now_v7(),
            first_name: name.into(),
            last_name: "M".into(),
            job_title: None,
            avatar_url: None,
            role: Role::Member,
            joined_at: OffsetDateTime::now_utc(),
        };
        Ok(Page::from_rows(vec![member("a"), member("b")], page, |m| {
            m.id
        }))
    }
    async fn count_members(&self, _org: OrgId) -> Result<u64, DomainError> {
        Ok(2)
    }
    async fn count_members_since(
        &self,
        _org: OrgId,
        _since: OffsetDateTime,
    ) -> Result<u64, DomainError> {
        Ok(1)
    }
}

/// Fixed counts, with activity today, 3 days ago and 40 days ago.
struct Source(u64);

#[async_trait]
impl ContentStatsSource for Source {
    async fn totals(&self, _org: OrgId) -> Result<ContentCounts, DomainError> {
        Ok(ContentCounts {
            topics: self.0,
            posts: 10 * self.0,
            use_cases: 100 * self.0,
        })
    }
    async fn daily_activity(
        &self,
        _org: OrgId,
        _since: Date,
    ) -> Result<Vec<DayCount>, DomainError> {
        let today = OffsetDateTime::now_utc().date();
        Ok(vec![
            DayCount {
                date: today,
                count: self.0,
            },
            DayCount {
                date: today - Duration::days(3),
                count: 2 * self.0,
            },
            DayCount {
                date: today - Duration::days(40),
                count: 1000,
            },
        ])
    }
}

fn service(db: &DatabaseConnection, sources: Vec<Arc<dyn ContentStatsSource>>) -> Organizations {
    Organizations::new(
        db.clone(),
        Arc::new(Directory),
        sources,
        Arc::new(BroadcastEventBus::default()),
        Arc::new(SystemClock),
    )
}

fn actor(org: uuid::Uuid, role: Role) -> Actor {
    Actor {
        user_id: UserId::new(),
        org_id: OrgId(org),
        role,
        is_superuser: false,
        session_id: SessionId::new(),
    }
}

fn acme(domain: &str) -> NewOrganization {
    NewOrganization {
        name: "Acme".into(),
        domain: domain.into(),
        claim: true,
    }
}

async fn new_org(db: &DatabaseConnection, domain: &str) -> p2p_orgs::OrgRecord {
    let txn = db.begin().await.unwrap();
    let org = OrganizationTable::new(db.clone())
        .create_in(&txn, acme(domain), OffsetDateTime::now_utc())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    org
}

async fn domains_are_unique_and_lower_case(db: DatabaseConnection) {
    let org = new_org(&db, "Acme.Example").await;
    assert_eq!(org.domain, "acme.example");
    let registry = OrganizationTable::new(db.clone());
    let txn = db.begin().await.unwrap();
    let again = registry
        .create_in(&txn, acme("ACME.example"), OffsetDateTime::now_utc())
        .await;
    assert!(matches!(again, Err(CreateOrgError::DomainTaken)));
    // A failed insert ends a PostgreSQL transaction: what follows needs its own.
    txn.rollback().await.unwrap();
    let txn = db.begin().await.unwrap();
    let found = registry
        .find_claimer_in(&txn, "acme.EXAMPLE")
        .await
        .unwrap();
    assert_eq!(found.map(|o| o.id), Some(org.id));
    assert!(registry.lock_in(&txn, OrgId(org.id)).await.unwrap());
    assert!(!registry.lock_in(&txn, OrgId::new()).await.unwrap());
    txn.rollback().await.unwrap();
    let found = registry.find(OrgId(org.id)).await.unwrap();
    assert_eq!(found.map(|o| o.domain), Some("acme.example".to_owned()));
}

async fn unclaimed_domains_are_shared_until_one_claims(db: DatabaseConnection) {
    let registry = OrganizationTable::new(db.clone());
    let now = OffsetDateTime::now_utc();
    let unclaimed = |domain: &str| NewOrganization {
        claim: false,
        ..acme(domain)
    };
    let txn = db.begin().await.unwrap();
    let first = registry
        .create_in(&txn, unclaimed("beta.example"), now)
        .await
        .unwrap();
    let second = registry
        .create_in(&txn, unclaimed("Beta.example"), now)
        .await
        .unwrap();
    assert!(
        registry
            .find_claimer_in(&txn, "beta.example")
            .await
            .unwrap()
            .is_none()
    );
    let (one, two) = (OrgId(first.id), OrgId(second.id));
    // An address at another domain proves nothing.
    let other = registry
        .claim_domain_in(&txn, one, "else.example")
        .await
        .unwrap();
    assert_eq!(other, Claim::Unclaimable);
    assert_eq!(
        registry
            .claim_domain_in(&txn, two, "beta.example")
            .await
            .unwrap(),
        Claim::Claimed
    );
    // The loser stays unclaimed and the transaction goes on.
    assert_eq!(
        registry
            .claim_domain_in(&txn, one, "beta.example")
            .await
            .unwrap(),
        Claim::Unclaimable
    );
    assert_eq!(
        registry
            .claim_domain_in(&txn, two, "beta.example")
            .await
            .unwrap(),
        Claim::AlreadyClaimed
    );
    let claimer = registry
        .find_claimer_in(&txn, "BETA.example")
        .await
        .unwrap();
    assert_eq!(claimer.map(|o| o.id), Some(second.id));
    // Released (its last member left): the other may claim it now.
    registry.release_domain_in(&txn, two).await.unwrap();
    let now_first = registry.claim_domain_in(&txn, one, "beta.example").await;
    assert_eq!(now_first.unwrap(), Claim::Claimed);
    // Public providers never claim, even when asked to at creation.
    let gmail = registry
        .create_in(&txn, acme("gmail.com"), now)
        .await
        .unwrap();
    assert_eq!(gmail.claimed_domain, None);
    let again = registry
        .claim_domain_in(&txn, OrgId(gmail.id), "gmail.com")
        .await
        .unwrap();
    assert_eq!(again, Claim::Unclaimable);
    assert!(OrganizationView::from_record(gmail, 1).domain_public);
    txn.commit().await.unwrap();
}

async fn current_update_and_members(db: DatabaseConnection) {
    let org = new_org(&db, "acme.example").await;
    let svc = service(&db, Vec::new());
    let member = actor(org.id, Role::Member);
    let admin = actor(org.id, Role::Admin);

    let current = svc.current(&member).await.unwrap();
    assert_eq!(current.name, "Acme");
    assert_eq!(current.member_count, 2);
    assert_eq!(current.industry, None);

    let denied = svc.update_current(&member, OrgPatch::default()).await;
    assert_eq!(denied.err().map(|e| e.kind().status()), Some(403));

    let invalid = svc
        .update_current(
            &admin,
            OrgPatch {
                name: Some("".into()),
                logo_url: Some("//evil.example/x.png".into()),
                size: Some("x".repeat(51)),
                ..OrgPatch::default()
            },
        )
        .await
        .err()
        .unwrap();
    let fields: Vec<_> = invalid
        .field_errors()
        .iter()
        .map(|f| (f.field.as_str(), f.code.as_str()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("name", "required"),
            ("size", "too_long"),
            ("logo_url", "invalid_url")
        ]
    );

    let updated = svc
        .update_current(
            &admin,
            OrgPatch {
                name: Some("  Acme Industrial ".into()),
                industry: Some("Manufacturing".into()),
                logo_url: Some("/api/v1/files/logo".into()),
                ..OrgPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.name, "Acme Industrial");
    assert_eq!(updated.industry.as_deref(), Some("Manufacturing"));
    let cleared = svc
        .update_current(
            &admin,
            OrgPatch {
                industry: Some(" ".into()),
                ..OrgPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(cleared.industry, None);
    assert_eq!(cleared.logo_url.as_deref(), Some("/api/v1/files/logo"));
    assert_eq!(svc.current(&member).await.unwrap(), cleared);

    let page = svc.members(&member, PageRequest::first(1)).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(page.next_cursor.is_some());

    let stranger = actor(uuid::Uuid::now_v7(), Role::Admin);
    let missing = svc.current(&stranger).await;
    assert_eq!(missing.err().map(|e| e.kind().status()), Some(404));
}

async fn stats_sum_every_content_source(db: DatabaseConnection) {
    let org = new_org(&db, "acme.example").await;
    let member = actor(org.id, Role::Member);

    let empty = service(&db, Vec::new()).stats(&member).await.unwrap();
    assert_eq!((empty.members, empty.new_members_30d), (2, 1));
    assert_eq!((empty.topics, empty.posts, empty.use_cases), (0, 0, 0));
    assert_eq!(empty.activity.len(), 30);
    assert!(empty.activity.iter().all(|d| d.count == 0));

    let svc = service(&db, vec![Arc::new(Source(1)), Arc::new(Source(2))]);
    let stats = svc.stats(&member).await.unwrap();
    assert_eq!((stats.topics, stats.posts, stats.use_cases), (3, 30, 300));
    let today = OffsetDateTime::now_utc().date();
    assert_eq!(stats.activity.len(), 30);
    assert_eq!(stats.activity[0].date, today - Duration::days(29));
    assert_eq!(stats.activity[29].date, today);
    assert_eq!(stats.activity[29].count, 3);
    assert_eq!(stats.activity[26].count, 6);
    assert_eq!(stats.activity.iter().map(|d| d.count).sum::<u64>(), 9);
    let json = serde_json::to_value(&stats).unwrap();
    assert_eq!(
        json["activity"][29]["date"],
        serde_json::json!(today.to_string())
    );
}
