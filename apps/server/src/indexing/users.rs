//! Users: active users' public profiles (name, job title, bio); deactivated
//! users are removed from the index. Emails are never indexed.

use super::{found, id_of, indexer_actor};
use async_trait::async_trait;
use p2p_identity::IdentityService;
use p2p_kernel::error::db_error;
use p2p_kernel::ids::UserId;
use p2p_kernel::{DomainError, Event};
use p2p_search::{Change, ContentSource, Kind, ScanBatch, SearchDocument};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use uuid::Uuid;

const SCAN_BATCH: i64 = 500;

pub struct UserSource {
    identity: IdentityService,
    /// Only to list user ids for a rebuild (the identity service has no
    /// platform-wide listing).
    db: DatabaseConnection,
}

impl UserSource {
    pub fn new(identity: IdentityService, db: DatabaseConnection) -> Self {
        Self { identity, db }
    }
}

#[async_trait]
impl ContentSource for UserSource {
    fn name(&self) -> &'static str {
        "users"
    }

    fn changes(&self, event: &Event) -> Vec<Change> {
        match event.name.as_str() {
            "user.updated" | "member.updated" | "member.joined" => id_of(&event.data, "user_id")
                .map(|id| vec![Change::Refresh(Kind::User, id)])
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    async fn load(&self, _kind: Kind, id: Uuid) -> Result<Option<SearchDocument>, DomainError> {
        let Some(p) = found(self.identity.get_user(&indexer_actor(), UserId(id)).await)? else {
            return Ok(None);
        };
        if !p.is_active {
            return Ok(None);
        }
        let mut doc = SearchDocument::new(
            Kind::User,
            p.id,
            format!("{} {}", p.first_name, p.last_name),
            p.created_at,
        );
        doc.organization_id = Some(p.organization_id);
        doc.body = [p.job_title, p.bio, Some(p.organization_name)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" — ");
        Ok(Some(doc))
    }

    async fn scan(&self, after: Option<String>) -> Result<ScanBatch, DomainError> {
        let backend = self.db.get_database_backend();
        let after = after
            .and_then(|a| Uuid::parse_str(&a).ok())
            .unwrap_or_default();
        let stmt = Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DbBackend::Postgres => {
                    "SELECT id FROM users WHERE id > $1 ORDER BY id LIMIT $2"
                }
                _ => "SELECT id FROM users WHERE id > ? ORDER BY id LIMIT ?",
            },
            [after.into(), SCAN_BATCH.into()],
        );
        let rows = self.db.query_all_raw(stmt).await.map_err(db_error)?;
        let mut documents = Vec::with_capacity(rows.len());
        let mut last = None;
        for row in &rows {
            let id: Uuid = row.try_get("", "id").map_err(db_error)?;
            last = Some(id);
            if let Some(doc) = self.load(Kind::User, id).await? {
                documents.push(doc);
            }
        }
        let next = if rows.len() as i64 == SCAN_BATCH {
            last.map(|l| l.to_string())
        } else {
            None
        };
        Ok(ScanBatch { documents, next })
    }
}
