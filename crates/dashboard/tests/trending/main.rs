//! Trending refreshes against the stored scores on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod concurrent;
mod support;
