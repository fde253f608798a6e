//! `search_platform_totals`: the platform's published documents per kind,
//! kept exact by the database as `search_documents` changes, so that the
//! dashboard's platform figures are a one-row read instead of a scan of the
//! whole index (1.1 s at 1.15M documents on PostgreSQL).
//!
//! - One row (`single`, as `search_recent_cutoff`): every writer updates the
//!   same row, so concurrent index writers wait for each other's commit on
//!   one row lock and cannot deadlock over totals. The lock is taken by an
//!   AFTER trigger, at the end of the statement, after the statement's own
//!   document rows; the index writes one statement per transaction.
//! - PostgreSQL: statement-level triggers over transition tables, one per
//!   event (INSERT, UPDATE, DELETE): a 100-row bulk upsert updates the row
//!   once, not 100 times, and `DELETE FROM search_documents` once. The rows an
//!   `INSERT … ON CONFLICT DO UPDATE` inserts are in its INSERT trigger's new
//!   table, the rows it updates in its UPDATE trigger's old and new tables.
//!   A statement-level trigger cannot have a `WHEN` on columns: the function
//!   adds the statement's net change and skips the row when it is zero (a
//!   counter or text update), so such a statement neither writes nor locks
//!   it. Measured at 1.17M documents: 0.1 ms per 100-row upsert, 5 ms for a
//!   10,000-row one; a row-level `WHEN` trigger took 240–340 ms for a
//!   statement that published 5,000 documents (5,000 updates of one row).
//!   TRUNCATE zeroes the row. The price: a statement's transition tables
//!   hold its whole rows, so `clear()`'s one DELETE of every document writes
//!   them to temporary files (1.8 GB at 1.35M documents).
//! - SQLite (one writer, no transition tables): row-level triggers; the
//!   UPDATE one with a `WHEN` on `kind` and `published`.
//! - The triggers only add and subtract (no CHECK on the counts, no lookup
//!   that can fail): a document write never fails because of them.
//!
//! Organizations (with at least one user document, published or not) are
//! not in the row: keeping a distinct count exact needs a count per
//! organization, many rows that concurrent writers would lock in differing
//! orders. They are counted from `search_documents_user_org`, a partial index
//! over the user documents only: an index-only scan of the users, few beside
//! topics, posts and use cases (3–7 ms for 20,000 users of 2,000
//! organizations, 34 index pages; see `docs/benchmarks.md`).
//!
//! The migration runs in one transaction on both backends. On PostgreSQL it
//! first locks `search_documents` against writes (reads go on): the count
//! that fills the row and the triggers then see the same documents, and the
//! lock lasts one pass over the table plus the small index build.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The totals of the documents already indexed (both backends).
const FILL: &str = "INSERT INTO search_platform_totals (users, topics, posts, use_cases)
     SELECT COUNT(*) FILTER (WHERE kind = 'user'), COUNT(*) FILTER (WHERE kind = 'topic'),
            COUNT(*) FILTER (WHERE kind = 'post'), COUNT(*) FILTER (WHERE kind = 'use_case')
     FROM search_documents WHERE published = 1";

/// The organizations with members, counted over the user documents alone.
const USER_ORGANIZATIONS: &str =
    "CREATE INDEX search_documents_user_org ON search_documents (organization_id)
     WHERE kind = 'user'";

const POSTGRES: [&str; 10] = [
    "LOCK TABLE search_documents IN SHARE ROW EXCLUSIVE MODE",
    "CREATE TABLE search_platform_totals (
        single BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (single),
        users BIGINT NOT NULL,
        topics BIGINT NOT NULL,
        posts BIGINT NOT NULL,
        use_cases BIGINT NOT NULL)",
    FILL,
    USER_ORGANIZATIONS,
    // The net change of one statement's rows: +1 for each published row it
    // inserted (NEW), -1 for each it deleted (OLD), both for the rows it
    // updated. A statement that changes no count (counters, text: nearly
    // every update) leaves the row alone, without locking it.
    "CREATE FUNCTION search_platform_totals_count() RETURNS trigger LANGUAGE plpgsql AS $$
     DECLARE
       d RECORD;
     BEGIN
       IF TG_OP = 'INSERT' THEN
         SELECT COALESCE(SUM(s) FILTER (WHERE kind = 'user'), 0) AS users,
                COALESCE(SUM(s) FILTER (WHERE kind = 'topic'), 0) AS topics,
                COALESCE(SUM(s) FILTER (WHERE kind = 'post'), 0) AS posts,
                COALESCE(SUM(s) FILTER (WHERE kind = 'use_case'), 0) AS use_cases
         INTO d FROM (SELECT kind, 1 AS s FROM inserted WHERE published = 1) c;
       ELSIF TG_OP = 'DELETE' THEN
         SELECT COALESCE(SUM(s) FILTER (WHERE kind = 'user'), 0) AS users,
                COALESCE(SUM(s) FILTER (WHERE kind = 'topic'), 0) AS topics,
                COALESCE(SUM(s) FILTER (WHERE kind = 'post'), 0) AS posts,
                COALESCE(SUM(s) FILTER (WHERE kind = 'use_case'), 0) AS use_cases
         INTO d FROM (SELECT kind, -1 AS s FROM removed WHERE published = 1) c;
       ELSE
         SELECT COALESCE(SUM(s) FILTER (WHERE kind = 'user'), 0) AS users,
                COALESCE(SUM(s) FILTER (WHERE kind = 'topic'), 0) AS topics,
                COALESCE(SUM(s) FILTER (WHERE kind = 'post'), 0) AS posts,
                COALESCE(SUM(s) FILTER (WHERE kind = 'use_case'), 0) AS use_cases
         INTO d FROM (SELECT kind, 1 AS s FROM inserted WHERE published = 1
                      UNION ALL SELECT kind, -1 FROM removed WHERE published = 1) c;
       END IF;
       IF d.users <> 0 OR d.topics <> 0 OR d.posts <> 0 OR d.use_cases <> 0 THEN
         UPDATE search_platform_totals SET
           users = users + d.users, topics = topics + d.topics,
           posts = posts + d.posts, use_cases = use_cases + d.use_cases;
       END IF;
       RETURN NULL;
     END $$",
    "CREATE FUNCTION search_platform_totals_zero() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       UPDATE search_platform_totals SET users = 0, topics = 0, posts = 0, use_cases = 0;
       RETURN NULL;
     END $$",
    "CREATE TRIGGER search_platform_totals_insert AFTER INSERT ON search_documents
     REFERENCING NEW TABLE AS inserted
     FOR EACH STATEMENT EXECUTE FUNCTION search_platform_totals_count()",
    "CREATE TRIGGER search_platform_totals_delete AFTER DELETE ON search_documents
     REFERENCING OLD TABLE AS removed
     FOR EACH STATEMENT EXECUTE FUNCTION search_platform_totals_count()",
    "CREATE TRIGGER search_platform_totals_update AFTER UPDATE ON search_documents
     REFERENCING OLD TABLE AS removed NEW TABLE AS inserted
     FOR EACH STATEMENT EXECUTE FUNCTION search_platform_totals_count()",
    "CREATE TRIGGER search_platform_totals_truncate AFTER TRUNCATE ON search_documents
     FOR EACH STATEMENT EXECUTE FUNCTION search_platform_totals_zero()",
];

const POSTGRES_DOWN: [&str; 8] = [
    "DROP TRIGGER search_platform_totals_truncate ON search_documents",
    "DROP TRIGGER search_platform_totals_update ON search_documents",
    "DROP TRIGGER search_platform_totals_delete ON search_documents",
    "DROP TRIGGER search_platform_totals_insert ON search_documents",
    "DROP FUNCTION search_platform_totals_zero()",
    "DROP FUNCTION search_platform_totals_count()",
    "DROP INDEX search_documents_user_org",
    "DROP TABLE search_platform_totals",
];

const SQLITE: [&str; 6] = [
    "CREATE TABLE search_platform_totals (
        single INTEGER PRIMARY KEY DEFAULT 1 CHECK (single = 1),
        users BIGINT NOT NULL,
        topics BIGINT NOT NULL,
        posts BIGINT NOT NULL,
        use_cases BIGINT NOT NULL)",
    FILL,
    USER_ORGANIZATIONS,
    "CREATE TRIGGER search_platform_totals_insert AFTER INSERT ON search_documents
     WHEN NEW.published = 1 BEGIN
       UPDATE search_platform_totals SET
             users = users + (NEW.kind = 'user'),
             topics = topics + (NEW.kind = 'topic'),
             posts = posts + (NEW.kind = 'post'),
             use_cases = use_cases + (NEW.kind = 'use_case');
     END",
    "CREATE TRIGGER search_platform_totals_delete AFTER DELETE ON search_documents
     WHEN OLD.published = 1 BEGIN
       UPDATE search_platform_totals SET
             users = users - (OLD.kind = 'user'),
             topics = topics - (OLD.kind = 'topic'),
             posts = posts - (OLD.kind = 'post'),
             use_cases = use_cases - (OLD.kind = 'use_case');
     END",
    "CREATE TRIGGER search_platform_totals_update AFTER UPDATE OF kind, published
     ON search_documents
     WHEN OLD.kind IS NOT NEW.kind OR OLD.published IS NOT NEW.published BEGIN
       UPDATE search_platform_totals SET
             users = users + (NEW.published = 1 AND NEW.kind = 'user')
                          - (OLD.published = 1 AND OLD.kind = 'user'),
             topics = topics + (NEW.published = 1 AND NEW.kind = 'topic')
                            - (OLD.published = 1 AND OLD.kind = 'topic'),
             posts = posts + (NEW.published = 1 AND NEW.kind = 'post')
                          - (OLD.published = 1 AND OLD.kind = 'post'),
             use_cases = use_cases + (NEW.published = 1 AND NEW.kind = 'use_case')
                                  - (OLD.published = 1 AND OLD.kind = 'use_case');
     END",
];

const SQLITE_DOWN: [&str; 5] = [
    "DROP TRIGGER search_platform_totals_update",
    "DROP TRIGGER search_platform_totals_delete",
    "DROP TRIGGER search_platform_totals_insert",
    "DROP INDEX search_documents_user_org",
    "DROP TABLE search_platform_totals",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// The count and the triggers see the same documents on SQLite too.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::tables::execute(manager, &POSTGRES, &SQLITE).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::tables::execute(manager, &POSTGRES_DOWN, &SQLITE_DOWN).await
    }
}
