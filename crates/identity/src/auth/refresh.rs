use crate::entity::{refresh_token, session};
use crate::service::{clip, commit};
use crate::types::{ClientInfo, TokenPair};
use crate::{Identity, errors, repo, token};
use p2p_kernel::DomainError;
use p2p_kernel::persistence::{db_error, db_time};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use time::OffsetDateTime;
use uuid::Uuid;

impl Identity {
    pub(crate) async fn refresh(
        &self,
        refresh_token: &str,
        client: ClientInfo,
    ) -> Result<TokenPair, DomainError> {
        if !token::looks_valid(refresh_token) {
            return Err(errors::invalid_refresh_token());
        }
        let hash = token::hash(refresh_token);
        let now = self.now();
        let txn = self.begin().await?;
        // Claim the token first: of two concurrent uses, only one can win.
        let claimed = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::UsedAt, Expr::value(Some(now)))
            .filter(refresh_token::Column::TokenHash.eq(hash.clone()))
            .filter(refresh_token::Column::UsedAt.is_null())
            .exec(&txn)
            .await
            .map_err(db_error)?
            .rows_affected
            == 1;
        let Some(row) = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(hash))
            .one(&txn)
            .await
            .map_err(db_error)?
        else {
            return Err(errors::invalid_refresh_token());
        };
        if !claimed {
            let revoked = revoke_session(&txn, row.session_id, now).await?;
            commit(txn).await?;
            metrics::counter!("refresh_token_reuse_total").increment(1);
            tracing::warn!(session_id = %row.session_id, "refresh token reused, session revoked");
            if revoked {
                self.after_session_revoked(row.session_id).await;
            }
            return Err(errors::refresh_token_reused());
        }
        if row.expires_at <= now {
            return Err(errors::invalid_refresh_token());
        }
        let session = session::Entity::find_by_id(row.session_id)
            .one(&txn)
            .await
            .map_err(db_error)?
            .filter(|s| s.revoked_at.is_none())
            .ok_or_else(errors::invalid_refresh_token)?;
        let user = repo::find(&txn, session.user_id)
            .await
            .map_err(db_error)?
            .filter(|u| u.is_active)
            .ok_or_else(errors::invalid_refresh_token)?;

        let expires_at = db_time(now + self.inner.config.refresh_token_ttl);
        let mut update = session::Entity::update_many()
            .col_expr(session::Column::LastSeenAt, Expr::value(now))
            .col_expr(session::Column::ExpiresAt, Expr::value(expires_at));
        if let Some(ip) = clip(client.ip.as_deref(), 64) {
            update = update.col_expr(session::Column::Ip, Expr::value(ip));
        }
        if let Some(agent) = clip(client.user_agent.as_deref(), 512) {
            update = update.col_expr(session::Column::UserAgent, Expr::value(agent));
        }
        update
            .filter(session::Column::Id.eq(session.id))
            .exec(&txn)
            .await
            .map_err(db_error)?;
        let fresh = self
            .insert_refresh_token(&txn, session.id, expires_at, now)
            .await?;
        commit(txn).await?;
        self.token_pair(&user, session.id, fresh, now)
    }
}

/// Marks a session revoked; true if it was open.
pub(crate) async fn revoke_session(
    conn: &impl sea_orm::ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DomainError> {
    Ok(session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(Some(now)))
        .filter(session::Column::Id.eq(id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(conn)
        .await
        .map_err(db_error)?
        .rows_affected
        == 1)
}

/// Revokes every open session of a user; returns their ids.
pub(crate) async fn revoke_all_sessions(
    conn: &impl sea_orm::ConnectionTrait,
    user_id: Uuid,
    now: OffsetDateTime,
) -> Result<Vec<Uuid>, DomainError> {
    let ids = crate::session_state::open_sessions(conn, user_id)
        .await
        .map_err(db_error)?;
    if !ids.is_empty() {
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(Some(now)))
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::RevokedAt.is_null())
            .exec(conn)
            .await
            .map_err(db_error)?;
    }
    Ok(ids)
}
