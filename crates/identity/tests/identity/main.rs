//! Integration tests of the identity service (and the organization service
//! wired to it), each on SQLite and on the full stack (PostgreSQL).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod invites;
mod login;
mod orgs;
mod profile;
mod redis;
mod reset;
mod signup;
mod support;
mod tokens;
