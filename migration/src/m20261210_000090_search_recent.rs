//! `search_recent`: the newest documents' words, so that a search whose
//! words are common does not walk the whole index (PostgreSQL only).
//!
//! A search keeps the newest `CANDIDATES` (200) matches and ranks those.
//! With two common words (thousands of documents hold both) the GIN index
//! over all of `search_documents` returns every one of them, and each is read
//! from the table to find the newest. `search_recent` holds the newest
//! documents only (the search index keeps about 100,000; see
//! `crates/search/src/index/recent.rs`) with their stripped `tsvector`, and
//! its own GIN index: when it yields the 200 candidates, they are the newest
//! 200 of the whole index, found among a tenth of the rows.
//!
//! - `search_recent_cutoff` holds one time (epoch ms): every document created
//!   at or after it has its row in `search_recent` (a row older than it may
//!   linger until the next prune; the query ignores it). The cutoff only
//!   moves forward.
//! - Triggers on `search_documents` keep the rows: an insert, or an update of
//!   the words or the creation time, writes the row when the document is not
//!   older than the cutoff (and removes it otherwise); a delete removes it.
//!   Updates of counters (replies, views, …) do not touch it.
//!
//! The migration fills the table with the newest 100,000 documents. SQLite's
//! FTS5 index is not changed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const UP: [&str; 11] = [
    "CREATE TABLE search_recent (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        tsv tsvector NOT NULL,
        PRIMARY KEY (kind, id))",
    "CREATE INDEX search_recent_tsv ON search_recent USING GIN (tsv)",
    "CREATE INDEX search_recent_created ON search_recent (created_at)",
    "CREATE TABLE search_recent_cutoff (
        single BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (single),
        created_at BIGINT NOT NULL)",
    "INSERT INTO search_recent_cutoff (created_at)
     SELECT COALESCE(
        (SELECT created_at FROM search_documents ORDER BY created_at DESC OFFSET 99999 LIMIT 1),
        0)",
    "INSERT INTO search_recent (kind, id, created_at, tsv)
     SELECT kind, id, created_at, strip(tsv) FROM search_documents
     WHERE created_at >= (SELECT created_at FROM search_recent_cutoff)",
    // Without statistics the planner takes the table for larger than it is
    // and joins every match of a common word instead of walking it newest first.
    "ANALYZE search_recent",
    "CREATE FUNCTION search_recent_sync() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF TG_OP = 'DELETE' THEN
         DELETE FROM search_recent WHERE kind = OLD.kind AND id = OLD.id;
       ELSIF NEW.created_at >= (SELECT created_at FROM search_recent_cutoff) THEN
         INSERT INTO search_recent (kind, id, created_at, tsv)
         VALUES (NEW.kind, NEW.id, NEW.created_at, strip(NEW.tsv))
         ON CONFLICT (kind, id) DO UPDATE
         SET created_at = excluded.created_at, tsv = excluded.tsv;
       ELSE
         DELETE FROM search_recent WHERE kind = NEW.kind AND id = NEW.id;
       END IF;
       RETURN NULL;
     END $$",
    "CREATE TRIGGER search_recent_insert AFTER INSERT ON search_documents
     FOR EACH ROW EXECUTE FUNCTION search_recent_sync()",
    "CREATE TRIGGER search_recent_update AFTER UPDATE ON search_documents
     FOR EACH ROW
     WHEN (OLD.tsv IS DISTINCT FROM NEW.tsv OR OLD.created_at IS DISTINCT FROM NEW.created_at)
     EXECUTE FUNCTION search_recent_sync()",
    "CREATE TRIGGER search_recent_delete AFTER DELETE ON search_documents
     FOR EACH ROW EXECUTE FUNCTION search_recent_sync()",
];

const DOWN: [&str; 6] = [
    "DROP TRIGGER search_recent_delete ON search_documents",
    "DROP TRIGGER search_recent_update ON search_documents",
    "DROP TRIGGER search_recent_insert ON search_documents",
    "DROP FUNCTION search_recent_sync()",
    "DROP TABLE search_recent_cutoff",
    "DROP TABLE search_recent",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::tables::execute(manager, &UP, &[]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::tables::execute(manager, &DOWN, &[]).await
    }
}
