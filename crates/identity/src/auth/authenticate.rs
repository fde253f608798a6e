use crate::session_state::SessionState;
use crate::{Identity, errors};
use p2p_kernel::ids::{OrgId, SessionId, UserId};
use p2p_kernel::{Actor, DomainError};

impl Identity {
    pub(crate) async fn authenticate(&self, access_token: &str) -> Result<Actor, DomainError> {
        self.authenticate_until(access_token)
            .await
            .map(|(actor, _)| actor)
    }

    pub(crate) async fn authenticate_until(
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
