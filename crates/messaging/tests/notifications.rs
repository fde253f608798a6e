//! The notification service on both backends: organization-wide requests (how a
//! published use case notifies its organization), the actor left out, live
//! events, email preferences and digests written to the mail outbox; replies
//! grouped per topic (`grouping`); titles in each reader's language (`language`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "notifications/grouping.rs"]
mod grouping;
#[path = "notifications/language.rs"]
mod language;

use async_trait::async_trait;
use p2p_kernel::adapters::memory::BroadcastEventBus;
use p2p_kernel::ids::{OrgId, SessionId, UserId};
use p2p_kernel::ports::{
    NotificationKind, NotificationRequest, NotificationText, Notifier, PortError, Recipients,
};
use p2p_kernel::{Actor, Locale, PageRequest, Role};
use p2p_messaging::{
    DEFAULT_GROUP_WINDOW, DigestConfig, EmailRecipient, NotificationFilter, NotificationParts,
    NotificationPreferences, Notifications, RecipientDirectory,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

struct Org {
    id: OrgId,
    members: Vec<UserId>,
    /// Who reads the platform in Arabic (everyone else: English).
    arabic: Vec<UserId>,
}

#[async_trait]
impl RecipientDirectory for Org {
    async fn emails(&self, ids: &[UserId]) -> Result<Vec<EmailRecipient>, PortError> {
        Ok(ids
            .iter()
            .map(|id| EmailRecipient {
                user: *id,
                email: format!("{id}@example.com"),
                locale: match self.arabic.contains(id) {
                    true => Locale::Ar,
                    false => Locale::En,
                },
            })
            .collect())
    }

    async fn organization_members(&self, org: OrgId) -> Result<Vec<UserId>, PortError> {
        Ok(if org == self.id {
            self.members.clone()
        } else {
            Vec::new()
        })
    }
}

fn actor(user: UserId, org: OrgId) -> Actor {
    Actor {
        user_id: user,
        org_id: org,
        role: Role::Member,
        is_superuser: false,
        session_id: SessionId::new(),
    }
}

/// The service on `db`, digests due at once, replies grouped for 10 minutes.
fn service(db: &DatabaseConnection, events: Arc<BroadcastEventBus>, org: Org) -> Notifications {
    Notifications::new(NotificationParts {
        db: db.clone(),
        events,
        directory: Arc::new(org),
        digest: DigestConfig::new(Duration::ZERO, "https://p2p.example.com/"),
        group_window: DEFAULT_GROUP_WINDOW,
    })
}

mod support {
    //! Databases from the shared harness (`p2p-testkit`).

    use p2p_testkit::{Backend, Databases};
    use sea_orm::DatabaseConnection;
    use std::future::Future;

    /// Runs `test` on a fresh migrated relational database of `backend`, dropped afterwards.
    pub async fn run<Fut: Future<Output = ()>>(
        backend: Backend,
        test: impl FnOnce(DatabaseConnection) -> Fut,
    ) {
        p2p_testkit::run(Databases::open(backend, false).await, |db, _| test(db)).await;
    }
}

async fn outbox_recipients(db: &DatabaseConnection) -> Vec<String> {
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT recipient FROM mail_outbox ORDER BY recipient",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get::<String>("", "recipient").unwrap())
        .collect()
}

p2p_testkit::on_both!(
    organization_requests_reach_every_member_but_the_actor_and_honour_email_preferences
);

async fn organization_requests_reach_every_member_but_the_actor_and_honour_email_preferences(
    db: DatabaseConnection,
) {
    let org = OrgId::new();
    let (author, colleague, quiet) = (UserId::new(), UserId::new(), UserId::new());
    let events = Arc::new(BroadcastEventBus::default());
    let mut received = events.subscribe();
    let service = service(
        &db,
        events.clone(),
        Org {
            id: org,
            members: vec![author, colleague, quiet],
            arabic: Vec::new(),
        },
    );
    service
        .set_preferences(
            &actor(quiet, org),
            NotificationPreferences {
                email: BTreeMap::from([(NotificationKind::UseCasePublished, false)]),
            },
        )
        .await
        .unwrap();

    service
        .notify(vec![
            NotificationRequest::new(
                Recipients::OrganizationMembers(org),
                NotificationText::UseCasePublished {
                    title: "Predictive maintenance".into(),
                },
            )
            .by(author)
            .link("/use-cases/42"),
        ])
        .await;

    let mut channels = Vec::new();
    while let Ok(event) = received.try_recv() {
        assert_eq!(event.name, "notification.created");
        assert_eq!(event.data["kind"], "use_case_published");
        channels.push(event.channel);
    }
    channels.sort();
    let mut expected = vec![format!("user:{colleague}"), format!("user:{quiet}")];
    expected.sort();
    assert_eq!(channels, expected, "the author is not notified");

    let page = service
        .list(
            &actor(author, org),
            NotificationFilter::default(),
            PageRequest::first(10),
            None,
        )
        .await
        .unwrap();
    assert!(page.items.is_empty());
    for user in [colleague, quiet] {
        let page = service
            .list(
                &actor(user, org),
                NotificationFilter::default(),
                PageRequest::first(10),
                None,
            )
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].link.as_deref(), Some("/use-cases/42"));
    }

    // One digest, for the colleague only; a second pass has nothing left.
    assert_eq!(service.send_due_digests().await.unwrap(), 1);
    assert_eq!(service.send_due_digests().await.unwrap(), 0);
    assert_eq!(
        outbox_recipients(&db).await,
        vec![format!("{colleague}@example.com")]
    );
}
