//! Resolving reports and unhiding content.

use crate::Moderation;
use crate::entity::{ActiveModel, Column, Entity};
use crate::reports::{clean_note, text};
use crate::types::{ReportView, Resolve, ResolveAction, TargetView};
use p2p_kernel::ids::OrgId;
use p2p_kernel::persistence::db_now;
use p2p_kernel::ports::{AuditAction, AuditEvent, TargetType};
use p2p_kernel::{Actor, Code, DomainError};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

impl Moderation {
    /// See [`crate::ModerationService::resolve`].
    pub(crate) async fn resolve(
        &self,
        actor: &Actor,
        id: Uuid,
        input: Resolve,
    ) -> Result<ReportView, DomainError> {
        let note = clean_note(input.note)?;
        let row = Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::not_found("report"))?;
        let org = OrgId(row.target_organization_id);
        require_moderator(actor, org, "report")?;
        if row.open.is_none() {
            return Err(DomainError::conflict(
                Code::ReportAlreadyResolved,
                "this report is already resolved",
            ));
        }
        let kind = TargetType::parse(&row.target_type)
            .ok_or_else(|| DomainError::corrupt("report target type", &row.target_type))?;
        let target = self.target(kind)?;
        let exists = target.describe(&Actor::system(), row.target_id).await?;
        match (input.action, exists) {
            (ResolveAction::Hide, Some(_)) => {
                target.set_hidden(actor, row.target_id, true).await?;
                self.withhold_notifications(kind, row.target_id, true).await;
            }
            (ResolveAction::Delete, Some(_)) => {
                target.delete(actor, row.target_id).await?;
                self.withhold_notifications(kind, row.target_id, true).await;
            }
            _ => {}
        }
        // Every open report of the target is settled by the same decision.
        Entity::update_many()
            .set(ActiveModel {
                open: Set(None),
                resolution: Set(Some(text(&input.action))),
                resolution_note: Set(note.clone()),
                resolved_by: Set(Some(actor.user_id.0)),
                resolved_at: Set(Some(db_now())),
                ..Default::default()
            })
            .filter(Column::TargetType.eq(row.target_type.as_str()))
            .filter(Column::TargetId.eq(row.target_id))
            .filter(Column::Open.is_not_null())
            .exec(self.db())
            .await?;
        let details = json!({"report_id": id, "action": input.action, "note": note});
        self.audit(
            actor,
            org,
            AuditAction::ReportResolved,
            kind,
            row.target_id,
            details,
        )
        .await?;
        if input.action == ResolveAction::Hide {
            let details = json!({"report_id": id});
            self.audit(
                actor,
                org,
                AuditAction::ContentHidden,
                kind,
                row.target_id,
                details,
            )
            .await?;
        }
        let row = Entity::find_by_id(id)
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::not_found("report"))?;
        self.view(row).await
    }

    /// See [`crate::ModerationService::unhide`].
    pub(crate) async fn unhide(
        &self,
        actor: &Actor,
        kind: TargetType,
        id: Uuid,
    ) -> Result<TargetView, DomainError> {
        let target = self.target(kind)?;
        let info = target
            .describe(&Actor::system(), id)
            .await?
            .ok_or_else(|| DomainError::not_found(kind.as_str()))?;
        require_moderator(actor, info.organization_id, kind.as_str())?;
        if info.hidden {
            target.set_hidden(actor, id, false).await?;
            self.withhold_notifications(kind, id, false).await;
            let org = info.organization_id;
            self.audit(
                actor,
                org,
                AuditAction::ContentUnhidden,
                kind,
                id,
                json!({}),
            )
            .await?;
        }
        let users = self.summaries([info.author_id]).await;
        Ok(TargetView {
            target_type: kind,
            id,
            summary: info.summary,
            author_id: info.author_id,
            author: users.get(&info.author_id).cloned(),
            organization_id: info.organization_id,
            hidden: false,
            deleted: false,
        })
    }

    /// Withholds (or gives back) the notifications about a target; the
    /// moderation action stands when that fails (logged).
    async fn withhold_notifications(&self, kind: TargetType, id: Uuid, withheld: bool) {
        if let Err(e) = self.inner.notifications.withhold(kind, id, withheld).await {
            tracing::warn!(error = %e, target = %kind, %id, "notifications about it not updated");
        }
    }

    async fn audit(
        &self,
        actor: &Actor,
        org: OrgId,
        action: AuditAction,
        kind: TargetType,
        id: Uuid,
        details: serde_json::Value,
    ) -> Result<(), DomainError> {
        let event = AuditEvent::new(org, actor.user_id, action, kind.as_str(), id).details(details);
        self.inner.audit.record(event).await
    }
}

/// Fails unless `actor` moderates content of `org` (a platform superuser or
/// an admin of `org`): 403 for members, who moderate nothing, and 404
/// naming `what` for admins of another organization, so that what they may
/// not moderate is not revealed.
pub(crate) fn require_moderator(actor: &Actor, org: OrgId, what: &str) -> Result<(), DomainError> {
    if actor.can_manage_org(org) {
        Ok(())
    } else if actor.is_org_admin() {
        Err(DomainError::not_found(what))
    } else {
        Err(DomainError::forbidden("only moderators may do this"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p2p_kernel::Role;
    use p2p_kernel::ids::{SessionId, UserId};

    fn actor(role: Role, org: OrgId) -> Actor {
        Actor {
            user_id: UserId::new(),
            org_id: org,
            role,
            is_superuser: false,
            session_id: SessionId::new(),
        }
    }

    #[test]
    fn members_are_refused_and_foreign_admins_told_nothing() {
        let (org, other) = (OrgId::new(), OrgId::new());
        assert!(require_moderator(&actor(Role::Admin, org), org, "report").is_ok());
        let status = |a: &Actor| {
            require_moderator(a, org, "report")
                .err()
                .map(|e| e.kind_of().status())
        };
        assert_eq!(status(&actor(Role::Member, org)), Some(403));
        assert_eq!(status(&actor(Role::Admin, other)), Some(404));
        assert_eq!(status(&Actor::system()), None);
    }
}
