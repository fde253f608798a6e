//! The organization's audit log, as its admins read it.

use crate::Moderation;
use crate::types::AuditLogEntry;
use p2p_kernel::{Actor, DomainError, Page, PageRequest};

impl Moderation {
    /// See [`crate::ModerationService::audit_log`].
    pub(crate) async fn audit_log(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<AuditLogEntry>, DomainError> {
        actor.require_org_admin(actor.org_id)?;
        let entries = self.inner.audit.list(actor.org_id, &page).await?;
        let users = self
            .summaries(entries.items.iter().map(|e| e.event.actor_id))
            .await;
        Ok(entries.map(|e| AuditLogEntry {
            id: e.id,
            actor_id: e.event.actor_id,
            actor: users.get(&e.event.actor_id).cloned(),
            action: e.event.action,
            target_type: e.event.target_type,
            target_id: e.event.target_id,
            details: e.event.details,
            at: e.at,
        }))
    }
}
