//! [`UseCases`]: the use-case service (behind [`crate::UseCaseService`]). Every method takes the
//! calling [`Actor`]; drafts are visible inside their organization only,
//! published use cases to every signed-in user; the submitter and their
//! organization's admins edit, publish and delete.

mod edit;
mod effects;
mod export;
mod hide;
mod list;
mod media;
mod own;
mod views;

use crate::doc::UseCaseDoc;
use crate::store::UseCaseStore;
use crate::types::{Status, UseCaseView};
use async_trait::async_trait;
use p2p_kernel::ids::UseCaseId;
use p2p_kernel::outbox::events::OutboxLink;
use p2p_kernel::ports::{
    AuditTrail, Clock, EventBus, FileAccess, FileOwner, Files, Notifier, may_see_hidden,
};
use p2p_kernel::text::Markdown;
use p2p_kernel::{Actor, DomainError, Event};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

pub use effects::USE_CASE_PUBLISHED;
pub use export::EXPORT_BATCH;
pub use hide::UseCaseTargets;

/// The owner kind of use-case media in the files service.
pub const FILE_OWNER_KIND: &str = "use_case";

/// The use-case domain service. Cheap to clone.
#[derive(Clone)]
pub struct UseCases {
    inner: Arc<UseCaseParts>,
}

/// What [`UseCases`] works with.
pub struct UseCaseParts {
    /// Holds the revisions and daily views (run the migrations first).
    pub db: DatabaseConnection,
    pub store: Arc<dyn UseCaseStore>,
    pub files: Arc<dyn Files>,
    pub events: Arc<dyn EventBus>,
    pub notifier: Option<Arc<dyn Notifier>>,
    /// Where deletions by admins are recorded (none: not recorded).
    pub audit: Option<Arc<dyn AuditTrail>>,
    pub clock: Arc<dyn Clock>,
    /// Sanitizes the problem statement and solution (`Markdown::default()`: no remote images).
    pub markdown: Markdown,
    /// Where what follows a publication is recorded (register
    /// [`UseCases::outbox_handler`] for [`USE_CASE_PUBLISHED`] with its
    /// worker); without one it follows in the request.
    pub outbox: Option<OutboxLink>,
}

impl UseCases {
    pub fn new(parts: UseCaseParts) -> Self {
        Self {
            inner: Arc::new(parts),
        }
    }

    /// The store (bulk seeding in benchmarks and the seed command).
    pub fn store(&self) -> &Arc<dyn UseCaseStore> {
        &self.inner.store
    }

    /// Who may fetch the media of a use case: whoever may see the use case.
    pub fn file_access(&self) -> Arc<dyn FileAccess> {
        Arc::new(UseCaseFileAccess(self.clone()))
    }

    /// How many use cases the organization has (drafts included, hidden ones not).
    pub async fn org_count(&self, org: p2p_kernel::ids::OrgId) -> Result<u64, DomainError> {
        self.inner.store.count_by_org(org.0).await
    }

    /// How many of the organization's use cases (hidden ones left out) were
    /// published on each UTC day from `since` on, oldest first (days without
    /// publications left out).
    pub async fn published_per_day(
        &self,
        org: p2p_kernel::ids::OrgId,
        since: time::Date,
    ) -> Result<Vec<p2p_kernel::DayCount>, DomainError> {
        self.inner.store.published_per_day(org.0, since).await
    }

    fn now(&self) -> OffsetDateTime {
        p2p_kernel::persistence::db_time(self.inner.clock.now())
    }

    fn owner(id: UseCaseId) -> FileOwner {
        FileOwner::new(FILE_OWNER_KIND, id.0)
    }

    /// The use case if `actor` may see it; 404 otherwise.
    async fn visible(&self, actor: &Actor, id: Uuid) -> Result<UseCaseDoc, DomainError> {
        let doc = self.inner.store.get(id).await?;
        match doc {
            Some(doc) if may_see(actor, &doc.view) => Ok(doc),
            _ => Err(DomainError::not_found("use case")),
        }
    }

    /// The use case if `actor` may edit it: 404 when invisible, 403 when only visible.
    async fn editable(&self, actor: &Actor, id: UseCaseId) -> Result<UseCaseDoc, DomainError> {
        let doc = self.visible(actor, id.0).await?;
        if doc.view.submitted_by == actor.user_id || actor.can_manage_org(doc.view.organization_id)
        {
            Ok(doc)
        } else {
            Err(DomainError::forbidden(
                "only the submitter or an admin of their organization may change this use case",
            ))
        }
    }

    /// Writes `view` over the stored use case; false when it is gone meanwhile.
    async fn store_view(&self, view: &UseCaseView) -> Result<bool, DomainError> {
        self.inner
            .store
            .replace(&UseCaseDoc::new(view.clone()))
            .await
    }

    /// Publishes an event after a successful write. Live delivery of these
    /// events is best-effort: a failure is logged and counted by the bus.
    async fn publish_event(&self, name: &str, view: &UseCaseView) {
        let channel = format!("org:{}", view.organization_id);
        match serde_json::to_value(view) {
            Ok(data) => {
                let mut event = Event::new(channel, name, data);
                event.occurred_at = self.now();
                let _ = self.inner.events.publish(event).await;
            }
            Err(e) => tracing::warn!(error = %e, "use case event not serializable"),
        }
    }
}

/// Published: everyone signed in; draft: its organization (and operators).
/// Hidden: only its submitter and moderators.
pub(crate) fn may_see(actor: &Actor, view: &UseCaseView) -> bool {
    (view.status == Status::Published || actor.org_id == view.organization_id || actor.is_superuser)
        && (!view.hidden || may_see_hidden(actor, view.submitted_by, view.organization_id))
}

struct UseCaseFileAccess(UseCases);

#[async_trait]
impl FileAccess for UseCaseFileAccess {
    async fn can_read(&self, actor: &Actor, owner_id: Uuid) -> Result<bool, DomainError> {
        Ok(self
            .0
            .inner
            .store
            .get(owner_id)
            .await?
            .is_some_and(|doc| may_see(actor, &doc.view)))
    }
}
