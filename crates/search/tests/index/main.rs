//! Integration tests of the search index and service on SQLite and on
//! PostgreSQL: matching, ranking, visibility, typos, paging, removal, the
//! activity feed and totals.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod by_author;
mod feed;
mod platform;
mod recent;
mod relevance;
mod search;
mod support;
mod upgrade;
