//! The harness of the black-box suite: spawns a real server (the same
//! `Application::build` as `main`) on port 0 against the backend chosen by
//! `P2P_TEST_BACKEND` (`embedded`, the default, or `full`), each test with
//! its own database, document database, Redis prefix and data directory.
//! [`process`] runs the server binary in its own process instead, and
//! [`load`] drives a mixed workload against either (memory guard, benchmarks).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod backend;
mod client;
pub mod drill;
pub mod load;
pub mod mail;
pub mod otlp;
pub mod process;
mod redis_server;
pub mod stats;

pub use accounts::{PASSWORD, Session, unique_email};
pub use backend::{Backend, Isolation, postgres_url};
pub use client::{Response, TestApp};
pub use redis_server::PrivateRedis;

/// A whole number from the environment variable `key`, or `default` when it
/// is unset; a value that is not a whole number stops the run with its name
/// (the memory guard's and the soak's knobs).
pub fn env_number<T: std::str::FromStr>(key: &str, default: T) -> T {
    match std::env::var(key) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{key} must be a whole number, not {v:?}")),
        Err(_) => default,
    }
}
