use crate::entity::invitation;
use crate::service::commit;
use crate::types::{InvitationView, InviteRequest};
use crate::{Identity, emails, errors, repo, token};
use p2p_kernel::Code;
use p2p_kernel::persistence::{api_time, db_error, db_time, is_unique_violation};
use p2p_kernel::validate::{Validator, normalize_email};
use p2p_kernel::{Actor, DomainError};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter};
use uuid::Uuid;

impl Identity {
    pub(crate) async fn invite(
        &self,
        actor: &Actor,
        req: InviteRequest,
    ) -> Result<InvitationView, DomainError> {
        actor.require_org_admin(actor.org_id)?;
        let limits = self.inner.config.rate_limits;
        self.limit(
            &format!("invite:admin:{}", actor.user_id),
            limits.invitations_per_admin,
        )
        .await?;
        self.limit(
            &format!("invite:org:{}", actor.org_id),
            limits.invitations_per_organization,
        )
        .await?;
        let email = normalize_email(&req.email);
        let mut v = Validator::new();
        v.email("email", &email);
        v.finish()?;
        if repo::find_by_email(self.db(), &email)
            .await
            .map_err(db_error)?
            .is_some()
        {
            return Err(errors::email_taken());
        }
        let inviter = self.current_user(actor).await?;
        let org = self
            .inner
            .orgs
            .find(actor.org_id)
            .await?
            .ok_or_else(|| DomainError::not_found("organization"))?;

        let now = self.now();
        let expires_at = db_time(now + self.inner.config.invitation_ttl);
        let fresh = token::generate();
        let txn = self.begin().await?;
        // Forget a finished invitation of this email so the new one fits the
        // unique (organization, email) index; a pending one makes the insert fail.
        invitation::Entity::delete_many()
            .filter(invitation::Column::OrganizationId.eq(org.id))
            .filter(invitation::Column::Email.eq(email.clone()))
            .filter(
                Condition::any()
                    .add(invitation::Column::AcceptedAt.is_not_null())
                    .add(invitation::Column::RevokedAt.is_not_null())
                    .add(invitation::Column::ExpiresAt.lte(now)),
            )
            .exec(&txn)
            .await
            .map_err(db_error)?;
        let id = Uuid::now_v7();
        let row = invitation::ActiveModel {
            id: Set(id),
            organization_id: Set(org.id),
            email: Set(email.clone()),
            role: Set(req.role.as_str().to_owned()),
            token_hash: Set(fresh.hash),
            invited_by: Set(Some(inviter.id)),
            created_at: Set(now),
            expires_at: Set(expires_at),
            accepted_at: Set(None),
            revoked_at: Set(None),
        };
        match invitation::Entity::insert(row)
            .exec_without_returning(&txn)
            .await
        {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(DomainError::conflict(
                    Code::InvitationPending,
                    "this email already has a pending invitation",
                ));
            }
            Err(e) => return Err(db_error(e)),
        }
        let inviter_name = format!("{} {}", inviter.first_name, inviter.last_name);
        let mail = emails::invitation(
            &self.inner.config,
            &email,
            inviter_name.trim(),
            &org.name,
            req.role,
            &fresh.token,
        );
        self.enqueue_email(&txn, &mail).await?;
        commit(txn).await?;
        self.wake_outbox();
        let view = InvitationView {
            id,
            organization_id: org.id,
            email,
            role: req.role,
            invited_by: Some(inviter.id),
            created_at: api_time(now),
            expires_at: api_time(expires_at),
        };
        self.publish(
            format!("org:{}", org.id),
            "invitation.created",
            // Every member hears of it: the invitee's address (not yet a member) stays out.
            serde_json::json!({ "id": id, "role": view.role, "invited_by": inviter.id }),
        )
        .await;
        Ok(view)
    }
}
