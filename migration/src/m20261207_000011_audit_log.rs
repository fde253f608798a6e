//! `audit_log`: the append-only record of who did what in an organization
//! (role changes, invitations, pins, locks, deletions by admins, moderation).

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    OrganizationId,
    ActorId,
    Action,
    TargetType,
    TargetId,
    Details,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let audit_log = Table::create()
            .table(AuditLog::Table)
            .col(uuid(AuditLog::Id).primary_key())
            .col(uuid(AuditLog::OrganizationId))
            .col(uuid(AuditLog::ActorId))
            .col(string_len(AuditLog::Action, 60))
            .col(string_len(AuditLog::TargetType, 40))
            .col(string_len(AuditLog::TargetId, 100))
            .col(text(AuditLog::Details))
            .col(timestamp_with_time_zone(AuditLog::CreatedAt))
            .to_owned();
        tables::create(
            manager,
            [audit_log],
            [tables::index(
                "ix_audit_log_organization_id",
                AuditLog::Table,
                [AuditLog::OrganizationId, AuditLog::Id],
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::drop(manager, [AuditLog::Table.into_iden()]).await
    }
}
