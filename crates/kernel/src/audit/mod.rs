//! The relational store of the audit trail ([`crate::ports::AuditTrail`]):
//! the `audit_log` table, on PostgreSQL and SQLite alike. Rows are only ever
//! inserted; ids are time-ordered (UUID v7), so the newest come first by id.

mod entity;

use crate::error::DomainError;
use crate::ids::{OrgId, UserId};
use crate::page::{Page, PageRequest};
use crate::persistence::{api_time, db_now};
use crate::ports::{AuditAction, AuditEntry, AuditEvent, AuditTrail};
use async_trait::async_trait;
use entity::{ActiveModel, Column, Entity, Model};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// Appends `event` within the caller's connection or transaction (for a
/// service that wants the entry to exist exactly when its change does).
pub async fn append(conn: &impl ConnectionTrait, event: &AuditEvent) -> Result<(), DomainError> {
    let row = ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(event.organization_id.0),
        actor_id: Set(event.actor_id.0),
        action: Set(event.action.as_str().to_owned()),
        target_type: Set(event.target_type.clone()),
        target_id: Set(event.target_id.clone()),
        details: Set(event.details.to_string()),
        created_at: Set(db_now()),
    };
    Entity::insert(row).exec_without_returning(conn).await?;
    Ok(())
}

/// The audit trail in the relational database.
#[derive(Clone)]
pub struct SqlAuditTrail {
    db: DatabaseConnection,
}

impl SqlAuditTrail {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl AuditTrail for SqlAuditTrail {
    async fn record(&self, event: AuditEvent) -> Result<(), DomainError> {
        append(&self.db, &event).await
    }

    async fn list(&self, org: OrgId, page: &PageRequest) -> Result<Page<AuditEntry>, DomainError> {
        let before: Option<Uuid> = page.position()?;
        let mut query = Entity::find()
            .filter(Column::OrganizationId.eq(org.0))
            .order_by_desc(Column::Id)
            .limit(page.fetch_limit());
        if let Some(before) = before {
            query = query.filter(Column::Id.lt(before));
        }
        let rows = query.all(&self.db).await?;
        let page = Page::from_rows(rows, page, |row| row.id);
        let items = page
            .items
            .into_iter()
            .map(entry)
            .collect::<Result<_, _>>()?;
        Ok(Page {
            items,
            next_cursor: page.next_cursor,
        })
    }
}

fn entry(row: Model) -> Result<AuditEntry, DomainError> {
    let action = AuditAction::parse(&row.action)
        .ok_or_else(|| DomainError::corrupt("audit action", &row.action))?;
    let details =
        serde_json::from_str(&row.details).map_err(|e| DomainError::corrupt("audit details", e))?;
    Ok(AuditEntry {
        id: row.id,
        at: api_time(row.created_at),
        event: AuditEvent {
            organization_id: OrgId(row.organization_id),
            actor_id: UserId(row.actor_id),
            action,
            target_type: row.target_type,
            target_id: row.target_id,
            details,
        },
    })
}
