//! Invitation tokens: random, stored as SHA-256, single use, expiring.
//!
//! Errors: unknown token → 400 `invalid_token`; accepted → 410 `token_used`;
//! withdrawn → 410 `invitation_revoked`; past its lifetime → 410 `token_expired`.
//!
//! Invitations belong to the admin who sent them: when that admin is demoted
//! or deactivated, [`revoke_sent_by`] withdraws those not accepted yet.

use crate::entity::invitation::{Column, Entity, Model};
use crate::entity::user;
use crate::{errors, token};
use p2p_kernel::DomainError;
use p2p_kernel::audit;
use p2p_kernel::ids::{OrgId, UserId};
use p2p_kernel::persistence::db_error;
use p2p_kernel::ports::{AuditAction, AuditEvent};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use time::OffsetDateTime;
use uuid::Uuid;

/// A usable invitation, or why not.
pub(crate) async fn check(
    conn: &impl ConnectionTrait,
    presented: &str,
    now: OffsetDateTime,
) -> Result<Model, DomainError> {
    let row = token::stored(conn, Entity::find(), Column::TokenHash, presented).await?;
    if row.accepted_at.is_some() {
        return Err(errors::token_used());
    }
    if row.revoked_at.is_some() {
        return Err(errors::invitation_revoked());
    }
    token::unexpired(row.expires_at, now)?;
    Ok(row)
}

/// Marks the invitation accepted if it still is usable (write first, so two
/// concurrent acceptances cannot both succeed).
pub(crate) async fn consume(
    conn: &impl ConnectionTrait,
    presented: &str,
    now: OffsetDateTime,
) -> Result<Model, DomainError> {
    let res = Entity::update_many()
        .col_expr(Column::AcceptedAt, Expr::value(Some(now)))
        .filter(Column::TokenHash.eq(token::hash(presented)))
        .filter(Column::AcceptedAt.is_null())
        .filter(Column::RevokedAt.is_null())
        .filter(Column::ExpiresAt.gt(now))
        .exec(conn)
        .await
        .map_err(db_error)?;
    if res.rows_affected == 1 {
        return token::stored(conn, Entity::find(), Column::TokenHash, presented).await;
    }
    Err(check(conn, presented, now)
        .await
        .err()
        .unwrap_or_else(errors::token_used))
}

/// Withdraws the invitations `inviter` sent that were not accepted (nor
/// withdrawn) yet, and records each in the audit trail as withdrawn by
/// `by` for `reason` (`inviter_demoted`, `inviter_deactivated`,
/// `inviter_erased`); returns how many. Each update is conditional on
/// `accepted_at`, so an acceptance racing with it either wins before (and
/// is not recorded) or finds the link revoked.
pub(crate) async fn revoke_sent_by(
    conn: &impl ConnectionTrait,
    inviter: &user::Model,
    by: UserId,
    reason: &str,
    now: OffsetDateTime,
) -> Result<u64, DomainError> {
    let open: Vec<Uuid> = Entity::find()
        .select_only()
        .column(Column::Id)
        .filter(Column::InvitedBy.eq(inviter.id))
        .filter(Column::AcceptedAt.is_null())
        .filter(Column::RevokedAt.is_null())
        .into_tuple()
        .all(conn)
        .await
        .map_err(db_error)?;
    let mut revoked = 0;
    for id in open {
        let res = Entity::update_many()
            .col_expr(Column::RevokedAt, Expr::value(Some(now)))
            .filter(Column::Id.eq(id))
            .filter(Column::AcceptedAt.is_null())
            .filter(Column::RevokedAt.is_null())
            .exec(conn)
            .await
            .map_err(db_error)?;
        if res.rows_affected == 1 {
            let org = OrgId(inviter.organization_id);
            let event = AuditEvent::new(org, by, AuditAction::InvitationRevoked, "invitation", id)
                .details(serde_json::json!({ "reason": reason, "inviter": inviter.id }));
            audit::append(conn, &event).await?;
            revoked += 1;
        }
    }
    Ok(revoked)
}
