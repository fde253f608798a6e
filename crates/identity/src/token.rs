//! Opaque tokens (refresh, verification, reset, invitation): 256 random bits,
//! base64url without padding; only their SHA-256 is stored.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
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
