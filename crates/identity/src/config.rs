//! Settings of the identity service.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// At most `limit` hits per `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateRule {
    pub limit: u32,
    pub window: Duration,
}

impl RateRule {
    pub const fn new(limit: u32, window: Duration) -> Self {
        Self { limit, window }
    }
}

/// Rate limits of the unauthenticated endpoints (shared across instances
/// through the [`p2p_kernel::ports::RateLimiter`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Login attempts per account (email) and client address; a success
    /// starts the count again. Default 10 / 15 min.
    pub login_per_account_and_address: RateRule,
    /// Login attempts per account from every address together, counted for
    /// addresses that already failed on it (and the failures of the others):
    /// each tier a longer window, so the wait grows with the failures.
    /// An address that has not failed is never stopped by these.
    /// Default 50 / 15 min, 100 / hour, 200 / day.
    pub login_per_account: [RateRule; 3],
    /// Login attempts per client IP. Default 30 / min.
    pub login_per_ip: RateRule,
    /// Signups per client IP. Default 10 / hour. (Accepting an invitation is
    /// proven by its token and not limited per address: an office behind one
    /// NAT address onboards its people at once.)
    pub signup_per_ip: RateRule,
    /// Password reset requests per client IP. Default 5 / hour.
    pub reset_per_ip: RateRule,
    /// Reset emails per account; requests beyond it are accepted but send
    /// nothing, so the answer never tells whether the account exists. Default 3 / hour.
    pub reset_emails_per_account: RateRule,
    /// Verification email resends per user. Default 5 / hour.
    pub resend_verification_per_user: RateRule,
    /// Invitations an organization sends (attempts by its admins). Default 50 / hour.
    pub invitations_per_organization: RateRule,
    /// Invitations one admin sends (attempts). Default 20 / hour.
    pub invitations_per_admin: RateRule,
}

impl Default for RateLimits {
    fn default() -> Self {
        const MIN: u64 = 60;
        Self {
            login_per_account_and_address: RateRule::new(10, Duration::from_secs(15 * MIN)),
            login_per_account: [
                RateRule::new(50, Duration::from_secs(15 * MIN)),
                RateRule::new(100, Duration::from_secs(60 * MIN)),
                RateRule::new(200, Duration::from_secs(24 * 60 * MIN)),
            ],
            login_per_ip: RateRule::new(30, Duration::from_secs(MIN)),
            signup_per_ip: RateRule::new(10, Duration::from_secs(60 * MIN)),
            reset_per_ip: RateRule::new(5, Duration::from_secs(60 * MIN)),
            reset_emails_per_account: RateRule::new(3, Duration::from_secs(60 * MIN)),
            resend_verification_per_user: RateRule::new(5, Duration::from_secs(60 * MIN)),
            invitations_per_organization: RateRule::new(50, Duration::from_secs(60 * MIN)),
            invitations_per_admin: RateRule::new(20, Duration::from_secs(60 * MIN)),
        }
    }
}

/// Configuration of [`crate::IdentityService`].
#[derive(Clone)]
pub struct IdentityConfig {
    /// HS256 key of access tokens; at least 32 bytes (see [`IdentityConfig::validate`]).
    pub jwt_secret: Vec<u8>,
    /// Lifetime of access tokens. Default 900 s.
    pub access_token_ttl: Duration,
    /// Lifetime of a refresh token (each rotation starts a new one). Default 30 days.
    pub refresh_token_ttl: Duration,
    /// Base of the links in emails (`P2P_PUBLIC_URL`), without a trailing slash.
    pub public_url: String,
    /// Default 48 hours.
    pub verification_token_ttl: Duration,
    /// Default 1 hour.
    pub reset_token_ttl: Duration,
    /// Default 7 days.
    pub invitation_ttl: Duration,
    pub rate_limits: RateLimits,
    /// Passwords hashed or verified at once; more wait. Default: available cores.
    pub hash_concurrency: usize,
    /// How long a session's revocation state stays in the cache before it is
    /// read again from the database. Every change rewrites it at once; this only
    /// bounds staleness if the cache write after a change fails. Default 60 s.
    pub session_cache_ttl: Duration,
    /// Woken after a transaction that queued an email commits (the outbox worker's waker).
    pub outbox_waker: Option<Arc<Notify>>,
    /// Told when an invitation is accepted (the inviter is notified).
    pub notifier: Option<Arc<dyn p2p_kernel::ports::Notifier>>,
    /// Deletes an erased account's avatar and never-attached uploads (file storage).
    pub personal_files: Option<Arc<dyn p2p_kernel::ports::PersonalFiles>>,
    /// The RS256 key of the FDI access tokens (`/auth`). Default: a new key per process.
    pub signing_key: crate::fdi::SigningKeySource,
}

impl IdentityConfig {
    /// Defaults for everything but the key and the public URL.
    pub fn new(jwt_secret: impl Into<Vec<u8>>, public_url: impl Into<String>) -> Self {
        const HOUR: u64 = 3600;
        Self {
            jwt_secret: jwt_secret.into(),
            access_token_ttl: Duration::from_secs(900),
            refresh_token_ttl: Duration::from_secs(30 * 24 * HOUR),
            public_url: public_url.into().trim_end_matches('/').to_owned(),
            verification_token_ttl: Duration::from_secs(48 * HOUR),
            reset_token_ttl: Duration::from_secs(HOUR),
            invitation_ttl: Duration::from_secs(7 * 24 * HOUR),
            rate_limits: RateLimits::default(),
            hash_concurrency: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2),
            session_cache_ttl: Duration::from_secs(60),
            outbox_waker: None,
            notifier: None,
            personal_files: None,
            signing_key: crate::fdi::SigningKeySource::Ephemeral,
        }
    }

    /// Checks values the server should refuse to start with.
    pub fn validate(&self) -> Result<(), String> {
        if self.jwt_secret.len() < 32 {
            return Err("the JWT secret must be at least 32 bytes".into());
        }
        if self.access_token_ttl.as_secs() == 0 || self.refresh_token_ttl.as_secs() == 0 {
            return Err("token lifetimes must be at least one second".into());
        }
        if self.access_token_ttl >= self.refresh_token_ttl {
            return Err("the access token must live shorter than the refresh token".into());
        }
        if !(self.public_url.starts_with("http://") || self.public_url.starts_with("https://")) {
            return Err("the public URL must start with http:// or https://".into());
        }
        if self.hash_concurrency == 0 {
            return Err("hash concurrency must be at least 1".into());
        }
        Ok(())
    }
}

impl fmt::Debug for IdentityConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityConfig")
            .field("jwt_secret", &"<redacted>")
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("public_url", &self.public_url)
            .field("verification_token_ttl", &self.verification_token_ttl)
            .field("reset_token_ttl", &self.reset_token_ttl)
            .field("invitation_ttl", &self.invitation_ttl)
            .field("rate_limits", &self.rate_limits)
            .field("hash_concurrency", &self.hash_concurrency)
            .field("session_cache_ttl", &self.session_cache_ttl)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate_and_hide_the_secret() {
        let c = IdentityConfig::new(vec![7u8; 32], "https://p2p.example/");
        assert_eq!(c.public_url, "https://p2p.example");
        assert!(c.validate().is_ok());
        assert!(!format!("{c:?}").contains("7, 7"));
        assert!(
            IdentityConfig::new(vec![1u8; 8], "https://x")
                .validate()
                .is_err()
        );
    }
}
