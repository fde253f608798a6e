use crate::session_state::SessionState;
use crate::{IdentityService, errors};
use p2p_kernel::ids::{OrgId, SessionId, UserId};
use p2p_kernel::{Actor, DomainError};

impl IdentityService {
    /// Checks an access token and returns the caller.
    ///
    /// Besides the signature and expiry, every call checks the session's state
    /// through the cache (falling back to the database): a revoked session, a
    /// deactivated account, or a token issued before the account's security
    /// stamp changed (password reset, role change) is 401 `unauthenticated`
    /// at once, on every server instance.
    pub async fn authenticate(&self, access_token: &str) -> Result<Actor, DomainError> {
        self.authenticate_until(access_token)
            .await
            .map(|(actor, _)| actor)
    }

    /// [`IdentityService::authenticate`], with the token's expiry (a socket
    /// opened with it ends then).
    pub async fn authenticate_until(
        &self,
        access_token: &str,
    ) -> Result<(Actor, time::OffsetDateTime), DomainError> {
        // HS256 tokens of `/api/v1/auth`, RS256 tokens of the FDI (`/auth`).
        let now = self.inner.clock.now();
        let claims = self
            .signed_claims(access_token)
            .await
            .filter(|c| c.exp > now.unix_timestamp())
            .ok_or_else(errors::unauthenticated)?;
        match self.session_state(claims.sid).await? {
            SessionState::Active {
                user,
                org,
                role,
                su,
                ss,
            } if user == claims.sub && ss == claims.ss => {
                let actor = Actor {
                    user_id: UserId(user),
                    org_id: OrgId(org),
                    role,
                    is_superuser: su,
                    session_id: SessionId(claims.sid),
                };
                let expires_at = time::OffsetDateTime::from_unix_timestamp(claims.exp)
                    .map_err(|_| errors::unauthenticated())?;
                Ok((actor, expires_at))
            }
            _ => Err(errors::unauthenticated()),
        }
    }
}
