//! [`ModerationService`]: what the HTTP shell calls, implemented by [`Moderation`].

use crate::Moderation;
use crate::types::{
    AuditLogEntry, Filed, NewReport, ReportFilter, ReportView, Resolve, TargetView,
};
use async_trait::async_trait;
use p2p_kernel::ports::TargetType;
use p2p_kernel::{Actor, DomainError, Page, PageRequest};
use uuid::Uuid;

/// Reports, moderation and the audit log.
///
/// Moderators of a target are platform superusers and the admins of the
/// organization of the target's author. Anyone else asking about a report
/// or target they do not moderate gets 403 when they moderate nothing
/// (members) and 404 otherwise (admins of another organization), so
/// existence is not leaked.
#[async_trait]
pub trait ModerationService: Send + Sync + 'static {
    /// Files a report (anyone who can see the target; a message only by its
    /// recipient). One open report per reporter and target: a repeat
    /// answers the open one (`created: false`). Notifies the moderators.
    async fn report(&self, actor: &Actor, input: NewReport) -> Result<Filed, DomainError>;

    /// Reports the caller moderates, newest first, with the target and how
    /// many people reported it.
    async fn list_reports(
        &self,
        actor: &Actor,
        filter: ReportFilter,
        page: PageRequest,
    ) -> Result<Page<ReportView>, DomainError>;

    /// Resolves a report and every other open report of the same target:
    /// `dismiss` leaves the target, `hide` hides it, `delete` deletes it
    /// (users can only be dismissed). 409 when already resolved.
    async fn resolve(
        &self,
        actor: &Actor,
        id: Uuid,
        input: Resolve,
    ) -> Result<ReportView, DomainError>;

    /// Shows hidden content again.
    async fn unhide(
        &self,
        actor: &Actor,
        target_type: TargetType,
        id: Uuid,
    ) -> Result<TargetView, DomainError>;

    /// The audit log of the caller's organization, newest first (admins).
    async fn audit_log(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<AuditLogEntry>, DomainError>;
}

#[async_trait]
impl ModerationService for Moderation {
    async fn report(&self, actor: &Actor, input: NewReport) -> Result<Filed, DomainError> {
        Moderation::report(self, actor, input).await
    }

    async fn list_reports(
        &self,
        actor: &Actor,
        filter: ReportFilter,
        page: PageRequest,
    ) -> Result<Page<ReportView>, DomainError> {
        Moderation::list_reports(self, actor, filter, page).await
    }

    async fn resolve(
        &self,
        actor: &Actor,
        id: Uuid,
        input: Resolve,
    ) -> Result<ReportView, DomainError> {
        Moderation::resolve(self, actor, id, input).await
    }

    async fn unhide(
        &self,
        actor: &Actor,
        target_type: TargetType,
        id: Uuid,
    ) -> Result<TargetView, DomainError> {
        Moderation::unhide(self, actor, target_type, id).await
    }

    async fn audit_log(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<AuditLogEntry>, DomainError> {
        Moderation::audit_log(self, actor, page).await
    }
}
