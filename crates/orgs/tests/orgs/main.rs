//! Integration tests of the organization service with stand-in member
//! directory and content sources, on SQLite and on PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod claims_migration;
mod service;
mod support;
