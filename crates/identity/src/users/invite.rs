use super::invitations::invitation_view;
use crate::entity::invitation;
use crate::service::commit;
use crate::types::{InvitationView, InviteRequest};
use crate::{Identity, emails, errors, repo, token};
use p2p_kernel::Code;
use p2p_kernel::audit;
use p2p_kernel::persistence::{db_error, db_time, is_unique_violation};
use p2p_kernel::ports::{AuditAction, AuditEvent};
use p2p_kernel::validate::{Validator, normalize_email};
use p2p_kernel::{Actor, DomainError, Locale};
use sea_orm::{ColumnTrait, Condition, DatabaseTransaction, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Who an invitation email says it is from.
pub(crate) struct Sender {
    pub user_id: Uuid,
    /// The inviting admin's name.
    pub name: String,
    pub organization: String,
    /// The admin's own language: an invitation's when its request names none.
    pub locale: Locale,
}

impl Identity {
    /// Counts an invitation sent (or sent again) against the admin's and the
    /// organization's limits; 429 beyond either.
    pub(crate) async fn count_invitation(&self, actor: &Actor) -> Result<(), DomainError> {
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
        .await
    }

    /// The calling admin and their organization, as an invitation names them.
    pub(crate) async fn invitation_sender(&self, actor: &Actor) -> Result<Sender, DomainError> {
        let inviter = self.current_user(actor).await?;
        let org = self
            .inner
            .orgs
            .find(actor.org_id)
            .await?
            .ok_or_else(|| DomainError::not_found("organization"))?;
        let name = format!("{} {}", inviter.first_name, inviter.last_name);
        Ok(Sender {
            user_id: inviter.id,
            name: name.trim().to_owned(),
            organization: org.name,
            locale: emails::locale_of(&inviter.locale),
        })
    }

    /// Queues the invitation email with its link, in the caller's transaction.
    pub(crate) async fn queue_invitation(
        &self,
        txn: &DatabaseTransaction,
        sender: &Sender,
        invitation: &InvitationView,
        token: &str,
    ) -> Result<(), DomainError> {
        let mail = emails::invitation(
            &self.inner.config,
            invitation.locale,
            &invitation.email,
            sender,
            invitation.role,
            token,
        );
        self.enqueue_email(txn, &mail).await
    }

    pub(crate) async fn invite(
        &self,
        actor: &Actor,
        req: InviteRequest,
    ) -> Result<InvitationView, DomainError> {
        actor.require_org_admin(actor.org_id)?;
        self.count_invitation(actor).await?;
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
        let sender = self.invitation_sender(actor).await?;
        let org = actor.org_id.0;

        let now = self.now();
        let expires_at = db_time(now + self.inner.config.invitation_ttl);
        let fresh = token::generate();
        let txn = self.begin().await?;
        // Forget a finished invitation of this email so the new one fits the
        // unique (organization, email) index; a pending one makes the insert fail.
        invitation::Entity::delete_many()
            .filter(invitation::Column::OrganizationId.eq(org))
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
        let row = invitation::Model {
            id: Uuid::now_v7(),
            organization_id: org,
            email,
            role: req.role.as_str().to_owned(),
            token_hash: fresh.hash,
            invited_by: Some(sender.user_id),
            created_at: now,
            expires_at,
            accepted_at: None,
            revoked_at: None,
            locale: req.locale.unwrap_or(sender.locale).as_str().to_owned(),
        };
        let view = invitation_view(&row);
        let active: invitation::ActiveModel = row.into();
        match invitation::Entity::insert(active)
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
        self.queue_invitation(&txn, &sender, &view, &fresh.token)
            .await?;
        let event = AuditEvent::new(
            actor.org_id,
            actor.user_id,
            AuditAction::InvitationSent,
            "invitation",
            view.id,
        )
        .details(serde_json::json!({ "email": view.email, "role": view.role }));
        audit::append(&txn, &event).await?;
        commit(txn).await?;
        self.wake_outbox();
        self.publish(
            format!("org:{org}"),
            "invitation.created",
            // Every member hears of it: the invitee's address (not yet a member) stays out.
            serde_json::json!({ "id": view.id, "role": view.role, "invited_by": sender.user_id }),
        )
        .await;
        Ok(view)
    }
}
