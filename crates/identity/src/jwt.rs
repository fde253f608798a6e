//! Access tokens: HS256 JWTs naming the user, session, organization and role.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use p2p_kernel::{DomainError, Role};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The claims of an access token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: Uuid,
    /// Session id.
    pub sid: Uuid,
    /// Organization id.
    pub org: Uuid,
    pub role: Role,
    /// Platform superuser.
    pub su: bool,
    /// Fingerprint of the user's security stamp when the token was issued.
    pub ss: String,
    pub iat: i64,
    pub exp: i64,
}

impl Claims {
    /// The claims of an access token for `user` in `session_id`, issued at
    /// `iat` (Unix seconds) and valid for `ttl`.
    pub(crate) fn for_user(
        user: &crate::entity::user::Model,
        session_id: Uuid,
        iat: i64,
        ttl: std::time::Duration,
    ) -> Self {
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        Self {
            sub: user.id,
            sid: session_id,
            org: user.organization_id,
            role: crate::views::role_of(user),
            su: user.is_superuser,
            ss: crate::token::stamp_fingerprint(&user.security_stamp),
            iat,
            exp: iat.saturating_add(ttl),
        }
    }
}

/// Signs and checks access tokens.
pub(crate) struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked against the service clock, not the system clock.
        validation.validate_exp = false;
        validation.required_spec_claims = ["exp", "sub"].iter().map(|s| s.to_string()).collect();
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    pub fn sign(&self, claims: &Claims) -> Result<String, DomainError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(DomainError::internal)
    }

    /// The claims of a well-signed token, whatever its expiry.
    pub fn decode(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token.trim(), &self.decoding, &self.validation)
            .ok()
            .map(|d| d.claims)
    }

    /// The claims of a well-signed token that has not expired at `now`.
    #[cfg(test)]
    pub fn verify(&self, token: &str, now: time::OffsetDateTime) -> Option<Claims> {
        let data =
            jsonwebtoken::decode::<Claims>(token.trim(), &self.decoding, &self.validation).ok()?;
        (data.claims.exp > now.unix_timestamp()).then_some(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;

    fn claims(exp: i64) -> Claims {
        Claims {
            sub: Uuid::now_v7(),
            sid: Uuid::now_v7(),
            org: Uuid::now_v7(),
            role: Role::Admin,
            su: false,
            ss: "abcd".into(),
            iat: 0,
            exp,
        }
    }

    #[test]
    fn round_trip_expiry_and_tampering() {
        let keys = JwtKeys::new(&[3u8; 32]);
        let now = OffsetDateTime::now_utc();
        let c = claims(now.unix_timestamp() + 60);
        let token = keys.sign(&c).unwrap_or_default();
        assert_eq!(keys.verify(&token, now), Some(c.clone()));
        assert_eq!(keys.verify(&token, now + time::Duration::minutes(2)), None);
        let other = JwtKeys::new(&[4u8; 32]);
        assert_eq!(other.verify(&token, now), None);
        assert_eq!(keys.verify("not.a.jwt", now), None);
    }
}
