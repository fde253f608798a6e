//! [`OrgService`]: the caller's organization, its members and statistics;
//! [`Organizations`] implements it.

use crate::directory::MemberDirectory;
use crate::stats::{ContentCounts, ContentStatsSource};
use crate::types::{MemberView, OrgPatch, OrgStats, OrganizationView};
use crate::{patch, store};
use async_trait::async_trait;
use p2p_kernel::persistence::db_error;
use p2p_kernel::ports::{Clock, EventBus};
use p2p_kernel::{Actor, DayCount, DomainError, Event, Page, PageRequest};
use sea_orm::DatabaseConnection;
use std::collections::BTreeMap;
use std::sync::Arc;
use time::Duration;

/// Days covered by [`OrgStats::activity`].
pub const ACTIVITY_DAYS: i64 = 30;

/// What the HTTP shell may ask of the organizations domain. Every method acts
/// on the caller's own organization. The server holds an `Arc<dyn OrgService>`.
#[async_trait]
pub trait OrgService: Send + Sync + 'static {
    /// The caller's organization (any member).
    async fn current(&self, actor: &Actor) -> Result<OrganizationView, DomainError>;

    /// Changes the caller's organization: admins only (403 otherwise), 422 with
    /// field errors for invalid values. Emits `organization.updated` on `org:<id>`.
    async fn update_current(
        &self,
        actor: &Actor,
        changes: OrgPatch,
    ) -> Result<OrganizationView, DomainError>;

    /// The active members of the caller's organization (any member), oldest first.
    async fn members(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<MemberView>, DomainError>;

    /// Member and content statistics of the caller's organization (any member).
    async fn stats(&self, actor: &Actor) -> Result<OrgStats, DomainError>;
}

/// The organization service. Cheap to clone.
#[derive(Clone)]
pub struct Organizations {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    members: Arc<dyn MemberDirectory>,
    content: Vec<Arc<dyn ContentStatsSource>>,
    events: Arc<dyn EventBus>,
    clock: Arc<dyn Clock>,
}

impl Organizations {
    /// `members` comes from the identity domain; `content` lists the content
    /// domains whose counts [`OrgService::stats`] adds up (may be empty).
    pub fn new(
        db: DatabaseConnection,
        members: Arc<dyn MemberDirectory>,
        content: Vec<Arc<dyn ContentStatsSource>>,
        events: Arc<dyn EventBus>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                members,
                content,
                events,
                clock,
            }),
        }
    }

    async fn view(&self, org: crate::OrgRecord) -> Result<OrganizationView, DomainError> {
        let count = self.inner.members.count_members(org.id.into()).await?;
        Ok(OrganizationView::from_record(org, count))
    }

    async fn load(&self, actor: &Actor) -> Result<crate::OrgRecord, DomainError> {
        store::find(&self.inner.db, actor.org_id)
            .await
            .map_err(db_error)?
            .ok_or_else(|| DomainError::not_found("organization"))
    }
}

#[async_trait]
impl OrgService for Organizations {
    async fn current(&self, actor: &Actor) -> Result<OrganizationView, DomainError> {
        let org = self.load(actor).await?;
        self.view(org).await
    }

    async fn update_current(
        &self,
        actor: &Actor,
        changes: OrgPatch,
    ) -> Result<OrganizationView, DomainError> {
        actor.require_org_admin(actor.org_id)?;
        patch::validate(&changes)?;
        let mut org = self.load(actor).await?;
        patch::apply(&mut org, changes);
        org.updated_at = self.inner.clock.now();
        let saved = store::save(&self.inner.db, org).await.map_err(db_error)?;
        let view = self.view(saved).await?;
        // Best-effort live delivery: the bus logs and counts a failure.
        let _ = self
            .inner
            .events
            .publish(Event::new(
                format!("org:{}", view.id),
                "organization.updated",
                serde_json::to_value(&view).unwrap_or_default(),
            ))
            .await;
        Ok(view)
    }

    async fn members(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<MemberView>, DomainError> {
        self.inner.members.list_members(actor.org_id, &page).await
    }

    async fn stats(&self, actor: &Actor) -> Result<OrgStats, DomainError> {
        let org = actor.org_id;
        let now = self.inner.clock.now();
        let today = now.date();
        let first_day = today - Duration::days(ACTIVITY_DAYS - 1);
        let members = self.inner.members.count_members(org).await?;
        let new_members_30d = self
            .inner
            .members
            .count_members_since(org, now - Duration::days(ACTIVITY_DAYS))
            .await?;
        let mut totals = ContentCounts::default();
        let mut per_day: BTreeMap<time::Date, u64> = BTreeMap::new();
        for source in &self.inner.content {
            totals += source.totals(org).await?;
            for day in source.daily_activity(org, first_day).await? {
                if day.date >= first_day && day.date <= today {
                    *per_day.entry(day.date).or_default() += day.count;
                }
            }
        }
        let activity = (0..ACTIVITY_DAYS)
            .map(|i| {
                let date = first_day + Duration::days(i);
                DayCount {
                    date,
                    count: per_day.get(&date).copied().unwrap_or(0),
                }
            })
            .collect();
        Ok(OrgStats {
            members,
            new_members_30d,
            topics: totals.topics,
            posts: totals.posts,
            use_cases: totals.use_cases,
            activity,
        })
    }
}
