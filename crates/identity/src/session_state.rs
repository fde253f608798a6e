//! The revocation state of sessions, read on every authenticated request.
//!
//! Each session has a cache entry (`identity:session:<id>`) holding what
//! [`IdentityService::authenticate`](crate::IdentityService::authenticate) needs:
//! whether the session is still valid, the user's current role, organization,
//! superuser flag and security stamp fingerprint. On a miss it is read from the
//! database and stored with `set_if_absent`; every change (logout, revocation,
//! password reset, deactivation, role change) rewrites the entries of the
//! affected sessions with `set` after its commit. A reader that loaded the old
//! state before the change therefore cannot overwrite the new one, and with the
//! cache in Redis every server instance sees the change at once.

use crate::Identity;
use crate::entity::{session, user};
use crate::token::stamp_fingerprint;
use p2p_kernel::persistence::db_error;
use p2p_kernel::{DomainError, Role};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub(crate) enum SessionState {
    Active {
        user: Uuid,
        org: Uuid,
        role: Role,
        su: bool,
        /// Fingerprint of the user's security stamp.
        ss: String,
    },
    Ended,
}

fn key(session_id: Uuid) -> String {
    format!("identity:session:{session_id}")
}

/// The state of a session as the database has it.
pub(crate) async fn load(conn: &impl ConnectionTrait, id: Uuid) -> Result<SessionState, DbErr> {
    let Some(s) = session::Entity::find_by_id(id).one(conn).await? else {
        return Ok(SessionState::Ended);
    };
    if s.revoked_at.is_some() {
        return Ok(SessionState::Ended);
    }
    let Some(u) = user::Entity::find_by_id(s.user_id).one(conn).await? else {
        return Ok(SessionState::Ended);
    };
    if !u.is_active {
        return Ok(SessionState::Ended);
    }
    Ok(SessionState::Active {
        user: u.id,
        org: u.organization_id,
        role: Role::parse(&u.role).unwrap_or(Role::Member),
        su: u.is_superuser,
        ss: stamp_fingerprint(&u.security_stamp),
    })
}

/// Ids of the sessions of a user that are not revoked.
pub(crate) async fn open_sessions(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<Uuid>, DbErr> {
    Ok(session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .all(conn)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect())
}

impl Identity {
    /// The state of a session: from the cache, else from the database (then cached).
    pub(crate) async fn session_state(&self, id: Uuid) -> Result<SessionState, DomainError> {
        let cache = &self.inner.cache;
        let key = key(id);
        match cache.get(&key).await {
            Ok(Some(bytes)) => match serde_json::from_slice(&bytes) {
                Ok(state) => return Ok(state),
                // Unreadable (written by another version): replace it below.
                Err(_) => {
                    let _ = cache.delete(&key).await;
                }
            },
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cache unavailable, reading session state from the database");
                return load(self.db(), id).await.map_err(db_error);
            }
        }
        let state = load(self.db(), id).await.map_err(db_error)?;
        if let Ok(bytes) = serde_json::to_vec(&state)
            && let Err(e) = cache
                .set_if_absent(&key, &bytes, self.inner.config.session_cache_ttl)
                .await
        {
            tracing::warn!(error = %e, "could not cache session state");
        }
        Ok(state)
    }

    /// Rewrites the cached state of these sessions from the database. Call it
    /// after committing a change that affects them.
    pub(crate) async fn sync_sessions(&self, ids: &[Uuid]) {
        for &id in ids {
            let key = key(id);
            let written = match load(self.db(), id).await {
                Ok(state) => match serde_json::to_vec(&state) {
                    Ok(bytes) => self
                        .inner
                        .cache
                        .set(&key, &bytes, self.inner.config.session_cache_ttl)
                        .await
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                },
                Err(e) => Err(e.to_string()),
            };
            if let Err(error) = written {
                // Fall back to forgetting the entry; if that fails too, the stale
                // entry lives at most `session_cache_ttl`.
                let deleted = self.inner.cache.delete(&key).await;
                tracing::error!(%error, session_id = %id, delete_ok = deleted.is_ok(), "could not update cached session state");
            }
        }
    }

    /// Rewrites the cached state of every open session of a user.
    pub(crate) async fn sync_user_sessions(&self, user_id: Uuid) {
        match open_sessions(self.db(), user_id).await {
            Ok(ids) => self.sync_sessions(&ids).await,
            Err(e) => {
                tracing::error!(error = %e, %user_id, "could not list sessions to update their cached state");
            }
        }
    }
}
