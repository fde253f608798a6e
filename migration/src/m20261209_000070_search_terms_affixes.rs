//! Typo candidates found by length and affix instead of by trigrams.
//!
//! A word of five or more letters and a word at most one edit from it (an
//! insertion, a deletion, a substitution, or two neighbours swapped) share
//! their first two or their last two letters, and differ in length by at
//! most one (`crates/search/src/index/typo.rs`). Two indexes on
//! `search_terms` find exactly those words: (first two letters, length) and
//! (last two letters, length). They replace, on PostgreSQL, the `pg_trgm`
//! index (a scan of most of the vocabulary at the loose similarity one edit
//! needs, and an approximate one: it could miss a correction), and, on
//! SQLite, the index on the length alone (every word of a neighbouring
//! length).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const POSTGRES_UP: [&str; 3] = [
    "CREATE INDEX search_terms_head ON search_terms (substr(term, 1, 2), len)",
    "CREATE INDEX search_terms_tail ON search_terms (right(term, 2), len)",
    "DROP INDEX search_terms_trgm",
];
const POSTGRES_DOWN: [&str; 3] = [
    "CREATE INDEX search_terms_trgm ON search_terms USING GIN (term gin_trgm_ops)",
    "DROP INDEX search_terms_tail",
    "DROP INDEX search_terms_head",
];
const SQLITE_UP: [&str; 3] = [
    "CREATE INDEX search_terms_head ON search_terms (substr(term, 1, 2), len)",
    "CREATE INDEX search_terms_tail ON search_terms (substr(term, -2), len)",
    "DROP INDEX search_terms_len",
];
const SQLITE_DOWN: [&str; 3] = [
    "CREATE INDEX search_terms_len ON search_terms (len)",
    "DROP INDEX search_terms_tail",
    "DROP INDEX search_terms_head",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::tables::execute(manager, &POSTGRES_UP, &SQLITE_UP).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::tables::execute(manager, &POSTGRES_DOWN, &SQLITE_DOWN).await
    }
}
