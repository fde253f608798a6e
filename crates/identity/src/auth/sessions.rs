use super::refresh::revoke_session;
use crate::Identity;
use crate::entity::session;
use crate::types::SessionView;
use p2p_kernel::ids::SessionId;
use p2p_kernel::persistence::{api_time, db_error};
use p2p_kernel::{Actor, DomainError};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

impl Identity {
    pub(crate) async fn logout(&self, actor: &Actor) -> Result<(), DomainError> {
        let now = self.now();
        if revoke_session(self.db(), actor.session_id.0, now).await? {
            self.after_session_revoked(actor.session_id.0).await;
        }
        Ok(())
    }

    pub(crate) async fn list_sessions(
        &self,
        actor: &Actor,
    ) -> Result<Vec<SessionView>, DomainError> {
        let now = self.now();
        let rows = session::Entity::find()
            .filter(session::Column::UserId.eq(actor.user_id.0))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(now))
            .order_by_desc(session::Column::LastSeenAt)
            .order_by_desc(session::Column::Id)
            .all(self.db())
            .await
            .map_err(db_error)?;
        Ok(rows
            .into_iter()
            .map(|s| SessionView {
                current: s.id == actor.session_id.0,
                id: s.id,
                user_agent: s.user_agent,
                ip: s.ip,
                created_at: api_time(s.created_at),
                last_seen_at: api_time(s.last_seen_at),
            })
            .collect())
    }

    pub(crate) async fn revoke_session(
        &self,
        actor: &Actor,
        id: SessionId,
    ) -> Result<(), DomainError> {
        let now = self.now();
        let owned = session::Entity::find_by_id(id.0)
            .one(self.db())
            .await
            .map_err(db_error)?
            .is_some_and(|s| s.user_id == actor.user_id.0 && s.revoked_at.is_none());
        if !owned || !revoke_session(self.db(), id.0, now).await? {
            return Err(DomainError::not_found("session"));
        }
        self.after_session_revoked(id.0).await;
        Ok(())
    }

    /// Makes a revocation visible everywhere and tells the user's clients.
    pub(crate) async fn after_session_revoked(&self, id: Uuid) {
        self.sync_sessions(&[id]).await;
        if let Ok(Some(s)) = session::Entity::find_by_id(id).one(self.db()).await {
            self.publish(
                format!("user:{}", s.user_id),
                "session.revoked",
                serde_json::json!({ "session_id": id }),
            )
            .await;
        }
    }

    /// After revoking several sessions of a user in a committed transaction.
    pub(crate) async fn after_sessions_revoked(&self, user_id: Uuid, ids: &[Uuid]) {
        if ids.is_empty() {
            return;
        }
        self.sync_sessions(ids).await;
        self.publish(
            format!("user:{user_id}"),
            "session.revoked",
            serde_json::json!({ "session_ids": ids }),
        )
        .await;
    }
}
