//! Password hashing (argon2id at OWASP parameters, off the async threads and
//! bounded) and the password policy.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use p2p_kernel::FieldCode;
use p2p_kernel::{DomainError, FieldError};
use rand::RngCore;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Semaphore;

/// argon2id memory cost in KiB (19 MiB, OWASP).
pub const MEMORY_KIB: u32 = 19_456;
/// argon2id iterations.
pub const ITERATIONS: u32 = 2;
/// argon2id lanes.
pub const PARALLELISM: u32 = 1;

/// What unknown accounts are verified against: same parameters as real
/// hashes, so the work is the same; no password is accepted for it.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 128;

fn argon2() -> Result<Argon2<'static>, DomainError> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .map_err(|e| DomainError::internal(format!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_blocking(password: &str) -> Result<String, DomainError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| DomainError::internal(format!("argon2 salt: {e}")))?;
    argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DomainError::internal(format!("argon2 hash: {e}")))
}

fn verify_blocking(password: &str, hash: &str) -> Result<bool, DomainError> {
    let parsed = PasswordHash::new(hash)
        .map_err(|e| DomainError::internal(format!("stored password hash: {e}")))?;
    Ok(argon2()?
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// Hashes and verifies passwords on the blocking pool, at most `concurrency`
/// at a time, so that a burst of logins queues here instead of starving the
/// async workers or the blocking pool.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    runs: Arc<AtomicU64>,
}

impl Passwords {
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            runs: Arc::default(),
        }
    }

    /// How many hashes and verifications it has run: every login attempt
    /// costs exactly one, whether or not the account exists.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, DomainError> + Send + 'static,
    ) -> Result<T, DomainError> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(DomainError::internal)?;
        let started = std::time::Instant::now();
        self.runs.fetch_add(1, Ordering::Relaxed);
        let result = tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(DomainError::internal)?;
        metrics::histogram!("password_hash_seconds").record(started.elapsed().as_secs_f64());
        result
    }

    /// An argon2id PHC string of `password`.
    pub async fn hash(&self, password: &str) -> Result<String, DomainError> {
        let password = password.to_owned();
        self.run(move || hash_blocking(&password)).await
    }

    /// Whether `password` matches `hash`. With no hash (unknown account) it
    /// verifies against a dummy hash, so both cases cost the same and fail.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool, DomainError> {
        let (hash, real) = match hash {
            Some(h) => (h.to_owned(), true),
            None => (DUMMY_HASH.to_owned(), false),
        };
        let password = password.to_owned();
        let ok = self.run(move || verify_blocking(&password, &hash)).await?;
        Ok(ok && real)
    }
}

/// Checks a new password; returns the field errors for `field`.
///
/// Rules: 10–128 characters; at least one letter and at least one digit or
/// symbol (a character that is neither a letter nor whitespace); not the
/// email address or its local part.
pub fn check_policy(field: &str, password: &str, email: &str) -> Vec<FieldError> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return vec![
            FieldError::new(
                field,
                FieldCode::PasswordTooShort,
                format!("must be at least {MIN_LENGTH} characters"),
            )
            .with_limit(MIN_LENGTH),
        ];
    }
    if len > MAX_LENGTH {
        return vec![
            FieldError::new(
                field,
                FieldCode::PasswordTooLong,
                format!("must be at most {MAX_LENGTH} characters"),
            )
            .with_limit(MAX_LENGTH),
        ];
    }
    // A letter and a character that is neither a letter nor whitespace (a
    // digit or a symbol): two different characters, so never one repeated.
    let has_letter = password.chars().any(char::is_alphabetic);
    let has_other = password
        .chars()
        .any(|c| !c.is_alphabetic() && !c.is_whitespace());
    let lower = password.to_lowercase();
    let email = email.trim().to_lowercase();
    let local = email.split('@').next().unwrap_or_default();
    let is_email = !email.is_empty() && (lower == email || lower == local);
    if !has_letter || !has_other {
        return vec![FieldError::new(
            field,
            FieldCode::PasswordTooWeak,
            "must contain a letter and a digit or symbol",
        )];
    }
    if is_email {
        return vec![FieldError::new(
            field,
            FieldCode::PasswordTooWeak,
            "must not be your email address",
        )];
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(pw: &str) -> Vec<&'static str> {
        check_policy("password", pw, "ann.lee@acme.example")
            .into_iter()
            .map(|f| f.code.as_str())
            .collect()
    }

    #[test]
    fn policy() {
        assert_eq!(codes("short1"), vec!["password_too_short"]);
        assert_eq!(codes(&"a1".repeat(65)), vec!["password_too_long"]);
        assert_eq!(codes("onlyletterswords"), vec!["password_too_weak"]);
        assert_eq!(codes("1234567890123"), vec!["password_too_weak"]);
        assert_eq!(codes("ann.lee@acme.example"), vec!["password_too_weak"]);
        assert!(codes("correct horse 7").is_empty());
        assert!(codes("Tr0ub4dor&3x").is_empty());
    }

    #[tokio::test]
    async fn hash_and_verify() {
        let p = Passwords::new(1);
        let h = p.hash("Tr0ub4dor&3x").await.ok();
        assert!(
            h.as_deref()
                .is_some_and(|h| h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"))
        );
        assert_eq!(
            p.verify("Tr0ub4dor&3x", h.as_deref()).await.ok(),
            Some(true)
        );
        assert_eq!(
            p.verify("wrong-pass-1", h.as_deref()).await.ok(),
            Some(false)
        );
        assert_eq!(p.verify("Tr0ub4dor&3x", None).await.ok(), Some(false));
    }
}
