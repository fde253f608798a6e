//! Starting sessions and signing access tokens.

use crate::entity::{refresh_token, session, user};
use crate::jwt::Claims;
use crate::service::clip;
use crate::types::{ClientInfo, TokenPair};
use crate::{Identity, token};
use p2p_kernel::DomainError;
use p2p_kernel::persistence::{db_error, db_time};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use time::OffsetDateTime;
use uuid::Uuid;

impl Identity {
    /// Creates a session with its first refresh token in the caller's
    /// transaction and signs its first access token.
    pub(crate) async fn start_session(
        &self,
        conn: &impl ConnectionTrait,
        user: &user::Model,
        client: &ClientInfo,
        now: OffsetDateTime,
    ) -> Result<TokenPair, DomainError> {
        let session_id = Uuid::now_v7();
        let expires_at = db_time(now + self.inner.config.refresh_token_ttl);
        let row = session::ActiveModel {
            id: Set(session_id),
            user_id: Set(user.id),
            user_agent: Set(clip(client.user_agent.as_deref(), 512)),
            ip: Set(clip(client.ip.as_deref(), 64)),
            created_at: Set(now),
            last_seen_at: Set(now),
            expires_at: Set(expires_at),
            revoked_at: Set(None),
        };
        session::Entity::insert(row)
            .exec_without_returning(conn)
            .await
            .map_err(db_error)?;
        let refresh = self
            .insert_refresh_token(conn, session_id, expires_at, now)
            .await?;
        self.token_pair(user, session_id, refresh, now)
    }

    /// Stores a new refresh token of a session; returns the token itself.
    pub(crate) async fn insert_refresh_token(
        &self,
        conn: &impl ConnectionTrait,
        session_id: Uuid,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<String, DomainError> {
        let fresh = token::generate();
        let row = refresh_token::ActiveModel {
            id: Set(Uuid::now_v7()),
            session_id: Set(session_id),
            token_hash: Set(fresh.hash),
            created_at: Set(now),
            expires_at: Set(expires_at),
            used_at: Set(None),
        };
        refresh_token::Entity::insert(row)
            .exec_without_returning(conn)
            .await
            .map_err(db_error)?;
        Ok(fresh.token)
    }

    /// Signs an access token for `user` in `session_id` and pairs it with `refresh_token`.
    pub(crate) fn token_pair(
        &self,
        user: &user::Model,
        session_id: Uuid,
        refresh_token: String,
        now: OffsetDateTime,
    ) -> Result<TokenPair, DomainError> {
        let config = &self.inner.config;
        let claims = Claims::for_user(
            user,
            session_id,
            now.unix_timestamp(),
            config.access_token_ttl,
        );
        Ok(TokenPair {
            access_token: self.inner.jwt.sign(&claims)?,
            refresh_token,
            token_type: "Bearer".into(),
            expires_in: config.access_token_ttl.as_secs(),
            refresh_expires_in: config.refresh_token_ttl.as_secs(),
            session_id,
        })
    }
}
