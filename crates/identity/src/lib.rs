//! Identity: accounts (argon2id passwords), sessions with short-lived access
//! tokens and rotating refresh tokens, email verification, password reset,
//! invitations, roles, and the users' profiles.
//!
//! Everything goes through [`IdentityService`]; the HTTP layer passes the
//! caller's [`p2p_kernel::Actor`] (from [`IdentityService::authenticate`]) and
//! plain request structs, and maps [`p2p_kernel::DomainError`]s. The error
//! codes are listed in [`errors`].
//!
//! Tables: `users`, `sessions`, `refresh_tokens`, `one_time_tokens`,
//! `invitations` (migration `m20261125_000002_identity_orgs`). Organizations
//! are created through [`p2p_orgs::store`] inside the same transactions.

mod auth;
mod config;
mod directory;
mod emails;
mod entity;
pub mod errors;
pub mod fdi;
mod invites;
mod issue;
mod jwt;
mod maintenance;
mod ott;
mod pages;
pub mod password;
mod repo;
mod service;
mod session_state;
mod token;
mod types;
mod users;
mod views;

pub use config::{IdentityConfig, RateLimits, RateRule};
pub use directory::IdentityMemberDirectory;
pub use jwt::Claims;
pub use maintenance::{ExpiredRowsPurger, PurgeReport};
pub use password::Passwords;
pub use service::IdentityService;
pub use types::*;
