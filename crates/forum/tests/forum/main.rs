//! Integration tests of the forum service, each on the embedded backend
//! (SQLite, posts in SQL) and on the full one (PostgreSQL + MongoDB), plus the
//! post-store contract suite run against every implementation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod attachments;
mod live;
mod moderation;
mod pagination;
mod posts;
mod security;
mod stats;
mod store_contract;
mod support;
mod topics;
mod votes;
