//! Opaque tokens (refresh, verification, reset, invitation): 256 random bits,
//! base64url without padding; only their SHA-256 is stored.

use crate::errors;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p2p_kernel::DomainError;
use p2p_kernel::persistence::db_error;
use rand::RngCore;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Select};
use sha2::{Digest, Sha256};

/// A fresh random token and its stored hash.
pub(crate) struct OpaqueToken {
    pub token: String,
    pub hash: String,
}

pub(crate) fn generate() -> OpaqueToken {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&token);
    OpaqueToken { token, hash }
}

/// SHA-256 of a token as lower-case hex.
pub(crate) fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.trim().as_bytes()))
}

/// A random value for `users.security_stamp`.
pub(crate) fn security_stamp() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The short fingerprint of a security stamp carried by access tokens.
pub(crate) fn stamp_fingerprint(stamp: &str) -> String {
    let digest = Sha256::digest(stamp.as_bytes());
    hex::encode(&digest[..8])
}

/// Whether a presented token is shaped like one of ours (43 base64url chars),
/// so that garbage is rejected without a database query.
pub(crate) fn looks_valid(token: &str) -> bool {
    let t = token.trim();
    t.len() == 43
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// 410 `token_expired` once `now` has reached `expires_at`.
pub(crate) fn unexpired(
    expires_at: time::OffsetDateTime,
    now: time::OffsetDateTime,
) -> Result<(), DomainError> {
    match expires_at <= now {
        true => Err(errors::token_expired()),
        false => Ok(()),
    }
}

/// The row of `query` whose `column` holds the hash of `presented`: 400
/// `invalid_token` when there is none or `presented` cannot be one of ours.
pub(crate) async fn stored<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    query: Select<E>,
    column: E::Column,
    presented: &str,
) -> Result<E::Model, DomainError> {
    if !looks_valid(presented) {
        return Err(errors::invalid_token());
    }
    query
        .filter(column.eq(hash(presented)))
        .one(conn)
        .await
        .map_err(db_error)?
        .ok_or_else(errors::invalid_token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = generate();
        let b = generate();
        assert_ne!(a.token, b.token);
        assert!(looks_valid(&a.token));
        assert_eq!(a.hash, hash(&a.token));
        assert_eq!(a.hash.len(), 64);
        assert!(!looks_valid("short"));
    }
}
