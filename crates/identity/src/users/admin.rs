use super::authorize_manage;
use crate::auth::revoke_all_sessions;
use crate::entity::user::Column;
use crate::service::commit;
use crate::session_state::open_sessions;
use crate::types::{AdminUserPatch, UserProfile};
use crate::views::{profile, role_of};
use crate::{Identity, errors, invites, repo, token};
use p2p_kernel::audit;
use p2p_kernel::ids::{OrgId, UserId};
use p2p_kernel::persistence::db_error;
use p2p_kernel::ports::{AuditAction, AuditEvent};
use p2p_kernel::{Actor, DomainError, Role};

impl Identity {
    pub(crate) async fn update_user(
        &self,
        actor: &Actor,
        id: UserId,
        patch: AdminUserPatch,
    ) -> Result<UserProfile, DomainError> {
        let target = repo::find(self.db(), id.0)
            .await
            .map_err(db_error)?
            .ok_or_else(|| DomainError::not_found("user"))?;
        authorize_manage(actor, &target)?;
        if patch.role.is_none() && patch.is_active.is_none() {
            return Ok(profile(&target));
        }
        let now = self.now();
        let txn = self.begin().await?;
        // Serialize membership changes of this organization (last-admin rule).
        self.inner
            .orgs
            .lock_in(&txn, OrgId(target.organization_id))
            .await?;
        let mut user = repo::find(&txn, id.0)
            .await
            .map_err(db_error)?
            .ok_or_else(|| DomainError::not_found("user"))?;
        let old_role = role_of(&user);
        let new_role = patch.role.unwrap_or(old_role);
        let new_active = patch.is_active.unwrap_or(user.is_active);
        let was_admin = old_role == Role::Admin && user.is_active;
        let stays_admin = new_role == Role::Admin && new_active;
        if was_admin
            && !stays_admin
            && repo::other_active_admins(&txn, user.organization_id, user.id)
                .await
                .map_err(db_error)?
                == 0
        {
            return Err(errors::last_admin());
        }
        let role_changed = new_role != old_role;
        let deactivated = user.is_active && !new_active;
        let reactivated = !user.is_active && new_active;
        if !role_changed && !deactivated && !reactivated {
            return Ok(profile(&user));
        }
        user.role = new_role.as_str().to_owned();
        user.is_active = new_active;
        if role_changed || deactivated {
            user.security_stamp = token::security_stamp();
        }
        user.updated_at = now;
        let changes = vec![
            (Column::Role, user.role.clone().into()),
            (Column::IsActive, user.is_active.into()),
            (Column::SecurityStamp, user.security_stamp.clone().into()),
            (Column::UpdatedAt, user.updated_at.into()),
        ];
        repo::set(&txn, user.id, changes).await.map_err(db_error)?;
        let revoked = if was_admin && !stays_admin {
            let reason = match deactivated {
                true => "inviter_deactivated",
                false => "inviter_demoted",
            };
            invites::revoke_sent_by(&txn, &user, actor.user_id, reason, now).await?
        } else {
            0
        };
        let audit_event = |action: AuditAction| {
            AuditEvent::new(
                OrgId(user.organization_id),
                actor.user_id,
                action,
                "user",
                user.id,
            )
        };
        let mut recorded = Vec::new();
        if role_changed {
            let change = serde_json::json!({ "from": old_role, "to": new_role });
            recorded.push(audit_event(AuditAction::RoleChanged).details(change));
        }
        if deactivated {
            recorded.push(audit_event(AuditAction::UserDeactivated));
        }
        if reactivated {
            recorded.push(audit_event(AuditAction::UserReactivated));
        }
        for event in &recorded {
            audit::append(&txn, event).await?;
        }
        let (ended, changed) = if deactivated {
            (revoke_all_sessions(&txn, user.id, now).await?, Vec::new())
        } else {
            (
                Vec::new(),
                open_sessions(&txn, user.id).await.map_err(db_error)?,
            )
        };
        commit(txn).await?;
        self.sync_sessions(&changed).await;
        self.after_sessions_revoked(user.id, &ended).await;
        self.publish(
            format!("org:{}", user.organization_id),
            "member.updated",
            serde_json::json!({
                "user_id": user.id,
                "role": new_role,
                "is_active": new_active,
            }),
        )
        .await;
        tracing::info!(user_id = %user.id, by = %actor.user_id, role = new_role.as_str(), is_active = new_active, revoked_invitations = revoked, "member updated");
        Ok(profile(&user))
    }

    pub(crate) async fn deactivate(&self, actor: &Actor, id: UserId) -> Result<(), DomainError> {
        let patch = AdminUserPatch {
            role: None,
            is_active: Some(false),
        };
        self.update_user(actor, id, patch).await.map(|_| ())
    }
}
