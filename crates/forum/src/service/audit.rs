//! What the forum records in the organizations' audit log: pins, locks and
//! deletions of other people's content by admins.

use super::Forum;
use p2p_kernel::ids::{OrgId, UserId};
use p2p_kernel::ports::{AuditAction, AuditEvent, AuditTrail};
use p2p_kernel::{Actor, DomainError};
use std::fmt::Display;
use std::sync::Arc;

impl Forum {
    /// Records pins, locks and deletions by admins in `audit` (without one,
    /// nothing is recorded). Call right after [`Forum::new`].
    pub fn with_audit(self, audit: Arc<dyn AuditTrail>) -> Self {
        if self.inner.audit.set(audit).is_err() {
            tracing::warn!("the forum's audit trail was already set");
        }
        self
    }

    /// Records `action` by `actor` on the `kind` `id` in `org`'s log.
    pub(super) async fn record(
        &self,
        actor: &Actor,
        org: OrgId,
        action: AuditAction,
        (kind, id): (&str, impl Display),
        details: serde_json::Value,
    ) -> Result<(), DomainError> {
        match self.inner.audit.get() {
            Some(audit) => {
                let event = AuditEvent::new(org, actor.user_id, action, kind, id).details(details);
                audit.record(event).await
            }
            None => Ok(()),
        }
    }

    /// Records the deletion of `author`'s content when someone else (an
    /// admin, a moderator) deleted it.
    pub(super) async fn record_deletion(
        &self,
        actor: &Actor,
        (author, org): (UserId, OrgId),
        target: (&str, impl Display),
        details: serde_json::Value,
    ) -> Result<(), DomainError> {
        if actor.user_id == author {
            return Ok(());
        }
        let action = AuditAction::ContentDeletedByAdmin;
        self.record(actor, org, action, target, details).await
    }
}
