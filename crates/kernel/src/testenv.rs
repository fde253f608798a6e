//! Where the test suites find the real services that `cargo xtask services`
//! starts. Each value can be overridden by an environment variable; a suite
//! that cannot reach a service fails and names it, it never skips.

use std::path::PathBuf;

fn var(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// Directory holding the services' state (`P2P_SERVICES_DIR`).
pub fn services_dir() -> PathBuf {
    std::env::var_os("P2P_SERVICES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into());
            PathBuf::from(home).join(".cache/p2p-sandbox/services")
        })
}

/// Administrative PostgreSQL URL (can create databases).
pub fn postgres_admin_url() -> String {
    var(
        "P2P_TEST_POSTGRES_URL",
        "postgres://postgres@127.0.0.1:5432/postgres",
    )
}

pub fn redis_url() -> String {
    var("P2P_TEST_REDIS_URL", "redis://127.0.0.1:6379")
}

pub fn mongodb_url() -> String {
    var("P2P_TEST_MONGODB_URL", "mongodb://127.0.0.1:27017")
}

pub fn s3_endpoint() -> String {
    var("P2P_TEST_S3_ENDPOINT", "http://127.0.0.1:9000")
}

pub fn s3_access_key() -> String {
    var("P2P_TEST_S3_ACCESS_KEY", "p2p-test-key")
}

pub fn s3_secret_key() -> String {
    var("P2P_TEST_S3_SECRET_KEY", "p2p-test-secret")
}

pub fn smtp_url() -> String {
    var("P2P_TEST_SMTP_URL", "smtp://127.0.0.1:1025")
}

/// The Maildir into which the SMTP sink writes what it receives.
pub fn maildir() -> PathBuf {
    std::env::var_os("P2P_TEST_MAILDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| services_dir().join("maildir"))
}

/// The message a test fails with when a service is not reachable.
pub fn missing(service: &str, url: &str, error: impl std::fmt::Display) -> String {
    format!(
        "{service} is not reachable at {url} ({error}); start the test services with `cargo xtask services` (or run everything with `cargo xtask test`)"
    )
}
