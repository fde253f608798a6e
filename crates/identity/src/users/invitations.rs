//! An organization's pending invitations, for its admins: listed, withdrawn
//! (the link then answers 410 `invitation_revoked`) and sent again with a new
//! link (the old one stops working).

use crate::entity::invitation::{Column, Entity, Model};
use crate::service::commit;
use crate::types::InvitationView;
use crate::{Identity, token};
use p2p_kernel::audit;
use p2p_kernel::persistence::{db_error, db_time};
use p2p_kernel::ports::{AuditAction, AuditEvent};
use p2p_kernel::{Actor, DomainError, Page, PageRequest};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// One of `actor`'s organization's invitations that is neither accepted nor
/// withdrawn (expired ones included: they can be sent again); 404 otherwise.
async fn open_invitation(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<Model, DomainError> {
    Entity::find_by_id(id)
        .filter(Column::OrganizationId.eq(actor.org_id.0))
        .filter(Column::AcceptedAt.is_null())
        .filter(Column::RevokedAt.is_null())
        .one(conn)
        .await
        .map_err(db_error)?
        .ok_or_else(|| DomainError::not_found("invitation"))
}

impl Identity {
    pub(crate) async fn list_invitations(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<InvitationView>, DomainError> {
        actor.require_org_admin(actor.org_id)?;
        let after: Option<Uuid> = page.position()?;
        let mut query = Entity::find()
            .filter(Column::OrganizationId.eq(actor.org_id.0))
            .filter(Column::AcceptedAt.is_null())
            .filter(Column::RevokedAt.is_null())
            .filter(Column::ExpiresAt.gt(self.now()));
        if let Some(after) = after {
            query = query.filter(Column::Id.lt(after));
        }
        // Ids are time-ordered (UUIDv7): newest first, stable while paging.
        let rows = query
            .order_by_desc(Column::Id)
            .limit(page.fetch_limit())
            .all(self.db())
            .await
            .map_err(db_error)?;
        Ok(Page::from_rows(rows, &page, |row| row.id).map(|row| invitation_view(&row)))
    }

    pub(crate) async fn revoke_invitation(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<(), DomainError> {
        actor.require_org_admin(actor.org_id)?;
        let now = self.now();
        let txn = self.begin().await?;
        let res = Entity::update_many()
            .col_expr(Column::RevokedAt, Expr::value(Some(now)))
            .filter(Column::Id.eq(id))
            .filter(Column::OrganizationId.eq(actor.org_id.0))
            .filter(Column::AcceptedAt.is_null())
            .filter(Column::RevokedAt.is_null())
            .exec(&txn)
            .await
            .map_err(db_error)?;
        if res.rows_affected == 0 {
            return Err(DomainError::not_found("invitation"));
        }
        let event = AuditEvent::new(
            actor.org_id,
            actor.user_id,
            AuditAction::InvitationRevoked,
            "invitation",
            id,
        );
        audit::append(&txn, &event).await?;
        commit(txn).await?;
        self.publish(
            format!("org:{}", actor.org_id),
            "invitation.revoked",
            serde_json::json!({ "id": id }),
        )
        .await;
        Ok(())
    }

    pub(crate) async fn resend_invitation(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<InvitationView, DomainError> {
        actor.require_org_admin(actor.org_id)?;
        open_invitation(self.db(), actor, id).await?;
        self.count_invitation(actor).await?;
        let sender = self.invitation_sender(actor).await?;
        let now = self.now();
        let expires_at = db_time(now + self.inner.config.invitation_ttl);
        let fresh = token::generate();
        let txn = self.begin().await?;
        let mut row = open_invitation(&txn, actor, id).await?;
        // A new hash: the old link finds no invitation any more.
        Entity::update_many()
            .col_expr(Column::TokenHash, Expr::value(fresh.hash.clone()))
            .col_expr(Column::ExpiresAt, Expr::value(expires_at))
            .filter(Column::Id.eq(id))
            .exec(&txn)
            .await
            .map_err(db_error)?;
        row.expires_at = expires_at;
        let view = invitation_view(&row);
        self.queue_invitation(&txn, &sender, &view, &fresh.token)
            .await?;
        let event = AuditEvent::new(
            actor.org_id,
            actor.user_id,
            AuditAction::InvitationResent,
            "invitation",
            id,
        );
        audit::append(&txn, &event).await?;
        commit(txn).await?;
        self.wake_outbox();
        Ok(view)
    }
}

pub(crate) fn invitation_view(row: &Model) -> InvitationView {
    InvitationView {
        id: row.id,
        organization_id: row.organization_id,
        email: row.email.clone(),
        role: p2p_kernel::Role::parse(&row.role).unwrap_or(p2p_kernel::Role::Member),
        invited_by: row.invited_by,
        created_at: p2p_kernel::persistence::api_time(row.created_at),
        expires_at: p2p_kernel::persistence::api_time(row.expires_at),
        locale: crate::emails::locale_of(&row.locale),
    }
}
