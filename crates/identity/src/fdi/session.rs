//! FDI sessions: the regular identity sessions (same rows, same refresh-token
//! rotation and reuse detection) with RS256 access tokens.

use super::claims::{ClaimValue, FdiClaims, TENANT};
use super::keys::{Jwks, RsaKeys};
use crate::entity::{session, user};
use crate::jwt::Claims;
use crate::types::{AuthResponse, ClientInfo, LoginRequest, SignupRequest, UserProfile};
use crate::{Identity, errors, repo};
use p2p_kernel::persistence::db_error;
use p2p_kernel::validate::normalize_email;
use p2p_kernel::{Actor, DomainError};
use sea_orm::EntityTrait;
use uuid::Uuid;

/// Tokens to hand to an SDK client.
#[derive(Clone, Debug)]
pub struct FdiTokens {
    pub user_id: Uuid,
    pub session_id: Uuid,
    /// RS256 JWT.
    pub access_token: String,
    /// The token's payload (for the `front-token` header).
    pub payload: serde_json::Value,
    /// Expiry of the access token, milliseconds since the epoch.
    pub access_expires_at_ms: i64,
    /// A new refresh token, when the session was started or refreshed.
    pub refresh_token: Option<String>,
    pub refresh_ttl_secs: u64,
}

impl Identity {
    pub(crate) async fn rsa_keys(&self) -> Result<&RsaKeys, DomainError> {
        self.inner
            .fdi_keys
            .get_or_try_init(|| async {
                let source = self.inner.config.signing_key.clone();
                tokio::task::spawn_blocking(move || RsaKeys::load(&source))
                    .await
                    .map_err(DomainError::internal)?
            })
            .await
    }

    pub(crate) async fn jwks(&self) -> Result<Jwks, DomainError> {
        Ok(self.rsa_keys().await?.jwks())
    }

    pub(crate) async fn fdi_claims(&self, access_token: &str) -> Option<FdiClaims> {
        self.rsa_keys().await.ok()?.decode(access_token)
    }

    /// The identity claims of an access token of either kind, if its
    /// signature is ours; expiry is not checked.
    pub(crate) async fn signed_claims(&self, access_token: &str) -> Option<Claims> {
        match jsonwebtoken::decode_header(access_token.trim()).ok()?.alg {
            jsonwebtoken::Algorithm::RS256 => self.rsa_keys().await.ok()?.decode(access_token),
            _ => self.inner.jwt.decode(access_token),
        }
    }

    pub(crate) async fn access_token_expired(&self, access_token: &str) -> bool {
        self.signed_claims(access_token)
            .await
            .is_some_and(|c| c.exp <= self.inner.clock.now().unix_timestamp())
    }

    pub(crate) async fn fdi_sign_in(
        &self,
        req: LoginRequest,
        client: ClientInfo,
    ) -> Result<(UserProfile, FdiTokens), DomainError> {
        let auth = self.login(req, client).await?;
        self.fdi_started(auth).await
    }

    pub(crate) async fn fdi_sign_up(
        &self,
        req: SignupRequest,
        client: ClientInfo,
    ) -> Result<(UserProfile, FdiTokens), DomainError> {
        let auth = self.signup(req, client).await?;
        self.fdi_started(auth).await
    }

    async fn fdi_started(
        &self,
        auth: AuthResponse,
    ) -> Result<(UserProfile, FdiTokens), DomainError> {
        let user = repo::find(self.db(), auth.user.id)
            .await
            .map_err(db_error)?
            .ok_or_else(errors::unauthenticated)?;
        let tokens = self
            .fdi_tokens(&user, auth.session_id, Some(auth.refresh_token))
            .await?;
        Ok((auth.user, tokens))
    }

    pub(crate) async fn fdi_refresh(
        &self,
        refresh_token: &str,
        client: ClientInfo,
    ) -> Result<FdiTokens, DomainError> {
        let pair = self.refresh(refresh_token, client).await?;
        let session = session::Entity::find_by_id(pair.session_id)
            .one(self.db())
            .await
            .map_err(db_error)?
            .ok_or_else(errors::invalid_refresh_token)?;
        let user = repo::find(self.db(), session.user_id)
            .await
            .map_err(db_error)?
            .ok_or_else(errors::invalid_refresh_token)?;
        self.fdi_tokens(&user, session.id, Some(pair.refresh_token))
            .await
    }

    pub(crate) async fn fdi_reissue(&self, actor: &Actor) -> Result<FdiTokens, DomainError> {
        let user = repo::find(self.db(), actor.user_id.0)
            .await
            .map_err(db_error)?
            .ok_or_else(errors::unauthenticated)?;
        self.fdi_tokens(&user, actor.session_id.0, None).await
    }

    pub(crate) async fn email_verified(&self, actor: &Actor) -> Result<bool, DomainError> {
        Ok(self.current_user(actor).await?.email_verified_at.is_some())
    }

    pub(crate) async fn email_exists(
        &self,
        email: &str,
        client: ClientInfo,
    ) -> Result<bool, DomainError> {
        if let Some(ip) = &client.ip {
            self.limit(
                &format!("email-exists:ip:{ip}"),
                self.inner.config.rate_limits.login_per_ip,
            )
            .await?;
        }
        Ok(repo::find_by_email(self.db(), &normalize_email(email))
            .await
            .map_err(db_error)?
            .is_some())
    }

    async fn fdi_tokens(
        &self,
        user: &user::Model,
        session_id: Uuid,
        refresh_token: Option<String>,
    ) -> Result<FdiTokens, DomainError> {
        let keys = self.rsa_keys().await?;
        let config = &self.inner.config;
        let now = self.inner.clock.now();
        let iat = now.unix_timestamp();
        let claims = FdiClaims {
            base: Claims::for_user(user, session_id, iat, config.access_token_ttl),
            session_handle: session_id.to_string(),
            tenant: TENANT.to_owned(),
            rsub: user.id.to_string(),
            iss: format!("{}/auth", config.public_url),
            email_verified: ClaimValue {
                v: user.email_verified_at.is_some(),
                t: iat * 1000,
            },
        };
        Ok(FdiTokens {
            user_id: user.id,
            session_id,
            access_token: keys.sign(&claims)?,
            payload: serde_json::to_value(&claims).map_err(DomainError::internal)?,
            access_expires_at_ms: claims.base.exp.saturating_mul(1000),
            refresh_token,
            refresh_ttl_secs: config.refresh_token_ttl.as_secs(),
        })
    }
}
