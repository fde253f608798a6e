//! Login throttling that a stranger cannot turn against an account's owner.
//!
//! - Per client address: [`crate::RateLimits::login_per_ip`], whatever the account.
//! - Per (account, client address): [`crate::RateLimits::login_per_account_and_address`];
//!   a success starts the count again. Wrong passwords from one address lock
//!   out that address, not the account.
//! - Per account, from every address together: the tiers of
//!   [`crate::RateLimits::login_per_account`] (longer windows, higher limits:
//!   the wait grows with the failures). They count the attempts from addresses
//!   that already failed on the account and the failures of the others, and
//!   they stop only addresses that already failed: a right password from an
//!   address that has not failed is always checked, so a distributed guesser
//!   gets one guess per fresh address and the owner still gets in.

use crate::Identity;
use crate::types::ClientInfo;
use p2p_kernel::DomainError;
use p2p_kernel::ports::RateDecision;

/// A login attempt that passed the throttle, before its password is checked.
pub(crate) struct LoginAttempt {
    email: String,
    pair_key: String,
    /// No earlier attempt from this address on this account in the window.
    fresh_address: bool,
}

impl Identity {
    /// Counts an attempt to sign in as `email` (normalized) from `client`;
    /// 429 with `Retry-After` when a limit is reached.
    pub(crate) async fn login_attempt(
        &self,
        email: &str,
        client: &ClientInfo,
    ) -> Result<LoginAttempt, DomainError> {
        let limits = self.inner.config.rate_limits;
        if let Some(ip) = &client.ip {
            self.limit(&format!("login:ip:{ip}"), limits.login_per_ip)
                .await?;
        }
        let address = client.ip.as_deref().unwrap_or("-");
        let pair_key = format!("login:pair:{email}:{address}");
        let pair = limits.login_per_account_and_address;
        let fresh_address = match self.decide(&pair_key, pair).await {
            RateDecision::Limited { retry_after } => return Err(Self::rate_limited(retry_after)),
            RateDecision::Allowed { remaining } => remaining.saturating_add(1) >= pair.limit,
        };
        let attempt = LoginAttempt {
            email: email.to_owned(),
            pair_key,
            fresh_address,
        };
        if !attempt.fresh_address {
            self.count_against_account(&attempt.email).await?;
        }
        Ok(attempt)
    }

    /// A wrong password: from an address that had not failed, it now counts
    /// against the account too (the answer stays 401).
    pub(crate) async fn login_failed(&self, attempt: &LoginAttempt) {
        if attempt.fresh_address {
            let _ = self.count_against_account(&attempt.email).await;
        }
    }

    /// The right password: this address starts again from zero.
    pub(crate) async fn login_succeeded(&self, attempt: &LoginAttempt) {
        self.reset_limit(&attempt.pair_key).await;
    }

    /// Hits every per-account tier; 429 with the longest wait of those reached.
    async fn count_against_account(&self, email: &str) -> Result<(), DomainError> {
        let tiers = self.inner.config.rate_limits.login_per_account;
        let mut longest = None;
        for (tier, rule) in tiers.into_iter().enumerate() {
            let key = format!("login:account:{tier}:{email}");
            if let Some(retry_after) = self.hit(&key, rule).await {
                longest = longest.max(Some(retry_after));
            }
        }
        longest.map_or(Ok(()), |wait| Err(Self::rate_limited(wait)))
    }
}
