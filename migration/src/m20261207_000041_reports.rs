//! `reports`: reports of content and users to moderators. One open report
//! per reporter and target: `open` is 1 while open and NULL once resolved,
//! and the unique index over (reporter, target, open) ignores NULLs.

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
    ReporterId,
    TargetType,
    TargetId,
    TargetAuthorId,
    TargetOrganizationId,
    TargetSummary,
    Reason,
    Note,
    Open,
    Resolution,
    ResolutionNote,
    ResolvedBy,
    ResolvedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let reports = Table::create()
            .table(Reports::Table)
            .col(uuid(Reports::Id).primary_key())
            .col(uuid(Reports::ReporterId))
            .col(string_len(Reports::TargetType, 20))
            .col(uuid(Reports::TargetId))
            .col(uuid(Reports::TargetAuthorId))
            .col(uuid(Reports::TargetOrganizationId))
            .col(string_len(Reports::TargetSummary, 200))
            .col(string_len(Reports::Reason, 20))
            .col(text_null(Reports::Note))
            .col(small_integer_null(Reports::Open))
            .col(string_len_null(Reports::Resolution, 20))
            .col(text_null(Reports::ResolutionNote))
            .col(uuid_null(Reports::ResolvedBy))
            .col(timestamp_with_time_zone_null(Reports::ResolvedAt))
            .col(timestamp_with_time_zone(Reports::CreatedAt))
            .to_owned();
        let mut one_open = tables::index(
            "ux_reports_open_per_reporter",
            Reports::Table,
            [
                Reports::ReporterId,
                Reports::TargetType,
                Reports::TargetId,
                Reports::Open,
            ],
        );
        one_open.unique();
        let by_target = tables::index(
            "ix_reports_target",
            Reports::Table,
            [Reports::TargetType, Reports::TargetId],
        );
        let by_org = tables::index(
            "ix_reports_organization",
            Reports::Table,
            [Reports::TargetOrganizationId, Reports::Id],
        );
        tables::create(manager, [reports], [one_open, by_target, by_org]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::drop(manager, [Reports::Table.into_iden()]).await
    }
}
