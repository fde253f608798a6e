//! The search index and the dashboard's trending scores.
//!
//! `search_documents` is a read model that the search indexer fills from
//! domain events (and `reindex` rebuilds from the stores): one row per user,
//! topic, post or use case, with the text to search and the counters the
//! dashboard aggregates. Times are epoch milliseconds, ids UUID strings.
//!
//! PostgreSQL: a weighted `tsvector` column (title A, tags B, body C) with a
//! GIN index; `pg_trgm` indexes the vocabulary for typo tolerance.
//! SQLite: an FTS5 table (porter stemming) kept in sync by triggers.
//! Both: `search_terms` is the vocabulary (every indexed word) that typo
//! tolerance matches query words against.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: &str = "
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    parent_id TEXT,
    organization_id TEXT,
    author_id TEXT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    industry TEXT,
    city TEXT,
    published INTEGER NOT NULL DEFAULT 1,
    searchable INTEGER NOT NULL DEFAULT 1,
    replies BIGINT NOT NULL DEFAULT 0,
    upvotes BIGINT NOT NULL DEFAULT 0,
    participants BIGINT NOT NULL DEFAULT 0,
    views BIGINT NOT NULL DEFAULT 0,
    best_answer INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    active_at BIGINT NOT NULL";

const COMMON_INDEXES: [&str; 6] = [
    "CREATE INDEX search_documents_recent ON search_documents (created_at DESC, kind DESC, id DESC)",
    "CREATE INDEX search_documents_parent ON search_documents (parent_id)",
    "CREATE INDEX search_documents_author ON search_documents (author_id, kind)",
    "CREATE INDEX search_documents_org ON search_documents (organization_id, kind)",
    "CREATE TABLE trending_scores (kind TEXT NOT NULL, id TEXT NOT NULL, score DOUBLE PRECISION NOT NULL, components TEXT NOT NULL, refreshed_at BIGINT NOT NULL, PRIMARY KEY (kind, id))",
    "CREATE INDEX trending_scores_rank ON trending_scores (score DESC, kind, id)",
];

fn postgres() -> Vec<String> {
    let mut s = vec![
        "CREATE EXTENSION IF NOT EXISTS pg_trgm".to_owned(),
        format!(
            "CREATE TABLE search_documents ({COLUMNS},
            tsv tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('english', title), 'A') ||
                setweight(to_tsvector('english', tags), 'B') ||
                setweight(to_tsvector('english', left(body, 200000)), 'C')) STORED,
            PRIMARY KEY (kind, id))"
        ),
        "CREATE INDEX search_documents_tsv ON search_documents USING GIN (tsv)".to_owned(),
        "CREATE TABLE search_terms (term TEXT PRIMARY KEY, len INTEGER NOT NULL)".to_owned(),
        "CREATE INDEX search_terms_trgm ON search_terms USING GIN (term gin_trgm_ops)".to_owned(),
    ];
    s.extend(COMMON_INDEXES.iter().map(|i| (*i).to_owned()));
    s
}

fn sqlite() -> Vec<String> {
    let mut s = vec![
        format!(
            "CREATE TABLE search_documents (seq INTEGER PRIMARY KEY, {COLUMNS}, UNIQUE (kind, id))"
        ),
        "CREATE VIRTUAL TABLE search_fts USING fts5(title, tags, body, content='search_documents', content_rowid='seq', tokenize='porter unicode61')".to_owned(),
        "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
            INSERT INTO search_fts(rowid, title, tags, body) VALUES (new.seq, new.title, new.tags, new.body);
         END".to_owned(),
        "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
            INSERT INTO search_fts(search_fts, rowid, title, tags, body) VALUES ('delete', old.seq, old.title, old.tags, old.body);
         END".to_owned(),
        "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
            INSERT INTO search_fts(search_fts, rowid, title, tags, body) VALUES ('delete', old.seq, old.title, old.tags, old.body);
            INSERT INTO search_fts(rowid, title, tags, body) VALUES (new.seq, new.title, new.tags, new.body);
         END".to_owned(),
        "CREATE TABLE search_terms (term TEXT PRIMARY KEY, len INTEGER NOT NULL)".to_owned(),
        "CREATE INDEX search_terms_len ON search_terms (len)".to_owned(),
    ];
    s.extend(COMMON_INDEXES.iter().map(|i| (*i).to_owned()));
    s
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements = match manager.get_database_backend() {
            DbBackend::Postgres => postgres(),
            _ => sqlite(),
        };
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let mut statements = vec![
            "DROP TABLE IF EXISTS trending_scores",
            "DROP TABLE IF EXISTS search_terms",
        ];
        if manager.get_database_backend() != DbBackend::Postgres {
            statements.push("DROP TABLE IF EXISTS search_fts");
        }
        statements.push("DROP TABLE IF EXISTS search_documents");
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
