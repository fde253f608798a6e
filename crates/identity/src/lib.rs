//! Identity: accounts (argon2id passwords), sessions with short-lived access
//! tokens and rotating refresh tokens, email verification, password reset,
//! invitations, roles, and the users' profiles.
//!
//! Everything goes through the [`IdentityService`] trait (implemented by
//! [`Identity`]); the HTTP layer passes the caller's [`p2p_kernel::Actor`]
//! (from [`IdentityService::authenticate`]) and plain request structs, and
//! maps [`p2p_kernel::DomainError`]s. The error
//! codes are listed in [`errors`].
//!
//! Tables: `users`, `sessions`, `refresh_tokens`, `one_time_tokens`,
//! `invitations` (migration `m20261125_000002_identity_orgs`). Organizations
//! are created, read and locked through the organizations crate's port
//! [`p2p_orgs::OrganizationRegistry`], inside this domain's transactions.

mod api;
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
mod rules;
mod service;
mod session_state;
mod token;
mod types;
mod users;
mod views;

pub use api::IdentityService;
pub use config::{IdentityConfig, RateLimits, RateRule};
pub use directory::IdentityMemberDirectory;
pub use jwt::Claims;
pub use maintenance::{ExpiredRowsPurger, PurgeReport};
pub use password::Passwords;
pub use rules::REQUEST_CONSTRAINTS;
pub use service::Identity;
pub use types::*;
