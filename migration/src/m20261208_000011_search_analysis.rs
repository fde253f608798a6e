//! Search matches analyzed terms instead of a backend's own analysis.
//!
//! The analysis chain (Arabic spelling fold, Snowball Arabic or English by
//! script; `crates/search/src/analysis.rs`) runs in the application, so
//! PostgreSQL and SQLite match the same terms. Each document row keeps its
//! original text (shown, and cut into snippets) and gains:
//!
//! - `terms_title`, `terms_tags`, `terms_body`: the space-separated terms;
//! - `analysis`: the version of the chain that wrote them (0: none yet).
//!   Rows of an older version are re-analyzed from the stored text at server
//!   startup; until then (or a reindex) they are not found.
//!
//! PostgreSQL: the weighted `tsvector` is generated from the terms with the
//! `simple` configuration (which only splits and lower-cases) instead of
//! `english` from the text. SQLite: the FTS5 table indexes the terms with the
//! `unicode61` tokenizer (no Porter stemming, no diacritic removal: the
//! chain did both). The vocabulary for typo tolerance now holds folded
//! words: it is emptied and refilled as rows are re-analyzed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const ADD_COLUMNS: [&str; 4] = [
    "ALTER TABLE search_documents ADD COLUMN terms_title TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE search_documents ADD COLUMN terms_tags TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE search_documents ADD COLUMN terms_body TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE search_documents ADD COLUMN analysis INTEGER NOT NULL DEFAULT 0",
];

const DROP_COLUMNS: [&str; 4] = [
    "ALTER TABLE search_documents DROP COLUMN terms_title",
    "ALTER TABLE search_documents DROP COLUMN terms_tags",
    "ALTER TABLE search_documents DROP COLUMN terms_body",
    "ALTER TABLE search_documents DROP COLUMN analysis",
];

fn postgres_tsv(config: &str, title: &str, tags: &str, body: &str) -> [String; 3] {
    [
        "ALTER TABLE search_documents DROP COLUMN tsv".to_owned(),
        format!(
            "ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('{config}', {title}), 'A') ||
                setweight(to_tsvector('{config}', {tags}), 'B') ||
                setweight(to_tsvector('{config}', {body}), 'C')) STORED"
        ),
        "CREATE INDEX search_documents_tsv ON search_documents USING GIN (tsv)".to_owned(),
    ]
}

/// The FTS5 table over `cols` of `search_documents` and the triggers that keep it in sync.
fn sqlite_fts(cols: [&str; 3], tokenize: &str) -> Vec<String> {
    let list = cols.join(", ");
    let new = cols.map(|c| format!("new.{c}")).join(", ");
    let old = cols.map(|c| format!("old.{c}")).join(", ");
    vec![
        format!(
            "CREATE VIRTUAL TABLE search_fts USING fts5({list}, content='search_documents', content_rowid='seq', tokenize='{tokenize}')"
        ),
        format!(
            "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
                INSERT INTO search_fts(rowid, {list}) VALUES (new.seq, {new});
             END"
        ),
        format!(
            "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
                INSERT INTO search_fts(search_fts, rowid, {list}) VALUES ('delete', old.seq, {old});
             END"
        ),
        format!(
            "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
                INSERT INTO search_fts(search_fts, rowid, {list}) VALUES ('delete', old.seq, {old});
                INSERT INTO search_fts(rowid, {list}) VALUES (new.seq, {new});
             END"
        ),
        "INSERT INTO search_fts(search_fts) VALUES ('rebuild')".to_owned(),
    ]
}

const SQLITE_DROP_FTS: [&str; 4] = [
    "DROP TRIGGER IF EXISTS search_documents_ai",
    "DROP TRIGGER IF EXISTS search_documents_ad",
    "DROP TRIGGER IF EXISTS search_documents_au",
    "DROP TABLE IF EXISTS search_fts",
];

fn up_statements(backend: DbBackend) -> Vec<String> {
    let mut s: Vec<String> = ADD_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    if backend == DbBackend::Postgres {
        s.extend(postgres_tsv(
            "simple",
            "terms_title",
            "terms_tags",
            "terms_body",
        ));
    } else {
        s.extend(SQLITE_DROP_FTS.iter().map(|c| (*c).to_owned()));
        s.extend(sqlite_fts(
            ["terms_title", "terms_tags", "terms_body"],
            "unicode61 remove_diacritics 0",
        ));
    }
    s.push("CREATE INDEX search_documents_analysis ON search_documents (analysis)".to_owned());
    s.push("DELETE FROM search_terms".to_owned());
    s
}

fn down_statements(backend: DbBackend) -> Vec<String> {
    let mut s = vec!["DROP INDEX search_documents_analysis".to_owned()];
    if backend == DbBackend::Postgres {
        s.extend(postgres_tsv(
            "english",
            "title",
            "tags",
            "left(body, 200000)",
        ));
    } else {
        s.extend(SQLITE_DROP_FTS.iter().map(|c| (*c).to_owned()));
    }
    s.extend(DROP_COLUMNS.iter().map(|c| (*c).to_owned()));
    if backend != DbBackend::Postgres {
        s.extend(sqlite_fts(["title", "tags", "body"], "porter unicode61"));
    }
    s.push("DELETE FROM search_terms".to_owned());
    s
}

/// Runs `statements`: on SQLite as one batch, so one pooled connection runs
/// them all (a trigger dropped on one connection could otherwise still be
/// seen by the next one's `CREATE TRIGGER`).
async fn run(manager: &SchemaManager<'_>, statements: Vec<String>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    if manager.get_database_backend() == DbBackend::Postgres {
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
    } else {
        db.execute_unprepared(&statements.join(";\n")).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, up_statements(manager.get_database_backend())).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        run(manager, down_statements(manager.get_database_backend())).await
    }
}
