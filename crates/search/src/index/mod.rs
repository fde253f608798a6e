//! The index store: the `search_documents` read model on PostgreSQL (full
//! text with `tsvector`, GIN) or SQLite (FTS5), chosen by the
//! connection. Statements are written with `$n` placeholders; SQLite gets
//! `?n`, which it binds the same way.

mod by_author;
mod platform;
mod query;
mod read;
mod recent;
mod typo;
mod upgrade;
mod write;

pub use platform::PlatformCounts;
pub use query::{CANDIDATES, Hit, IndexQuery, SearchPosition};
pub use read::{ActivityRow, EngagementRow, KindTotals, StatsScope, TrendingRow};

use crate::document::Kind;
use p2p_kernel::DomainError;
use p2p_kernel::persistence::db_error;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryResult, Statement, Value};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use time::OffsetDateTime;
use uuid::Uuid;

/// The search index (and the dashboard's read model).
#[derive(Clone)]
pub struct SearchIndex {
    db: DatabaseConnection,
    /// Documents this index (and its clones) wrote: prunes the newest
    /// documents' table (`recent`) as it grows.
    written: Arc<AtomicU64>,
}

impl SearchIndex {
    /// `db` must have the search migration applied.
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            written: Arc::new(AtomicU64::new(0)),
        }
    }

    fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Whether the index is PostgreSQL's (`tsvector`, GIN) rather than SQLite's (FTS5).
    pub fn is_postgres(&self) -> bool {
        self.backend() == DbBackend::Postgres
    }

    fn statement(&self, sql: &str, values: Vec<Value>) -> Statement {
        let sql = if self.is_postgres() {
            sql.to_owned()
        } else {
            sql.replace('$', "?")
        };
        Statement::from_sql_and_values(self.backend(), sql, values)
    }

    async fn execute(&self, sql: &str, values: Vec<Value>) -> Result<u64, DomainError> {
        let stmt = self.statement(sql, values);
        let res = self.db.execute_raw(stmt).await.map_err(db_error)?;
        Ok(res.rows_affected())
    }

    async fn query(&self, sql: &str, values: Vec<Value>) -> Result<Vec<QueryResult>, DomainError> {
        let stmt = self.statement(sql, values);
        self.db.query_all_raw(stmt).await.map_err(db_error)
    }
}

/// What every read returns of a document: which one it is, whose, and its title.
#[derive(Clone, Debug, PartialEq)]
pub struct DocumentHead {
    pub kind: Kind,
    pub id: Uuid,
    /// The containing document (a post's topic).
    pub parent_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    pub title: String,
}

impl DocumentHead {
    /// Reads the columns `kind, id, parent_id, organization_id, author_id, title`.
    pub(crate) fn from_row(row: &QueryResult) -> Result<Self, DomainError> {
        let optional_id = |col: &str| -> Result<Option<Uuid>, DomainError> {
            get::<Option<String>>(row, col)?
                .map(|s| parse_uuid(&s))
                .transpose()
        };
        Ok(Self {
            kind: parse_kind(&get::<String>(row, "kind")?)?,
            id: parse_uuid(&get::<String>(row, "id")?)?,
            parent_id: optional_id("parent_id")?,
            organization_id: optional_id("organization_id")?,
            author_id: optional_id("author_id")?,
            title: get(row, "title")?,
        })
    }
}

/// Epoch milliseconds, as the index stores times.
pub(crate) fn to_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// A stored epoch-milliseconds time; one out of range is corrupt.
pub(crate) fn from_ms(ms: i64) -> Result<OffsetDateTime, DomainError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|e| DomainError::corrupt("time", e))
}

/// A stored id.
pub(crate) fn parse_uuid(s: &str) -> Result<Uuid, DomainError> {
    Uuid::parse_str(s).map_err(|e| DomainError::corrupt("id", e))
}

/// A stored document kind.
pub(crate) fn parse_kind(s: &str) -> Result<Kind, DomainError> {
    Kind::parse(s).ok_or_else(|| DomainError::corrupt("kind", s))
}

pub(crate) fn get<T: sea_orm::TryGetable>(row: &QueryResult, col: &str) -> Result<T, DomainError> {
    row.try_get::<T>("", col).map_err(db_error)
}

pub(crate) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(crate) fn to_ms_pub(t: OffsetDateTime) -> i64 {
    to_ms(t)
}
