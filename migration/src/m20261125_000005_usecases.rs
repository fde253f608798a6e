//! Use cases. The full document is JSON in `use_cases.doc` (the embedded
//! deployment; the full one keeps use cases in MongoDB); the columns beside it
//! are what the list filters, sorts and facets on, and `use_case_terms` holds
//! one row per technology and tag so those filters use an index.
//! `use_case_views` (one row per use case, user and day) and
//! `use_case_revisions` serve both deployments.

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum UseCases {
    Table,
    Id,
    OrganizationId,
    SubmittedBy,
    Status,
    IndustryKey,
    CityKey,
    SearchText,
    ViewCount,
    SortTime,
    Doc,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UseCaseTerms {
    Table,
    UseCaseId,
    Facet,
    Value,
}

#[derive(DeriveIden)]
enum UseCaseViews {
    Table,
    UseCaseId,
    UserId,
    Day,
}

#[derive(DeriveIden)]
enum UseCaseRevisions {
    Table,
    Id,
    UseCaseId,
    EditedBy,
    Doc,
    EditedAt,
}

fn use_cases() -> TableCreateStatement {
    Table::create()
        .table(UseCases::Table)
        .col(uuid(UseCases::Id).primary_key())
        .col(uuid(UseCases::OrganizationId))
        .col(uuid(UseCases::SubmittedBy))
        .col(string_len(UseCases::Status, 16))
        .col(string_len(UseCases::IndustryKey, 100))
        .col(string_len_null(UseCases::CityKey, 100))
        .col(text(UseCases::SearchText))
        .col(big_integer(UseCases::ViewCount).default(0))
        .col(big_integer(UseCases::SortTime))
        .col(text(UseCases::Doc))
        .col(timestamp_with_time_zone(UseCases::CreatedAt))
        .col(timestamp_with_time_zone(UseCases::UpdatedAt))
        .to_owned()
}

fn terms() -> TableCreateStatement {
    Table::create()
        .table(UseCaseTerms::Table)
        .col(uuid(UseCaseTerms::UseCaseId))
        .col(string_len(UseCaseTerms::Facet, 16))
        .col(string_len(UseCaseTerms::Value, 100))
        .primary_key(
            Index::create()
                .col(UseCaseTerms::UseCaseId)
                .col(UseCaseTerms::Facet)
                .col(UseCaseTerms::Value),
        )
        .to_owned()
}

fn views() -> TableCreateStatement {
    Table::create()
        .table(UseCaseViews::Table)
        .col(uuid(UseCaseViews::UseCaseId))
        .col(uuid(UseCaseViews::UserId))
        .col(string_len(UseCaseViews::Day, 10))
        .primary_key(
            Index::create()
                .col(UseCaseViews::UseCaseId)
                .col(UseCaseViews::UserId)
                .col(UseCaseViews::Day),
        )
        .to_owned()
}

fn revisions() -> TableCreateStatement {
    Table::create()
        .table(UseCaseRevisions::Table)
        .col(uuid(UseCaseRevisions::Id).primary_key())
        .col(uuid(UseCaseRevisions::UseCaseId))
        .col(uuid(UseCaseRevisions::EditedBy))
        .col(text(UseCaseRevisions::Doc))
        .col(timestamp_with_time_zone(UseCaseRevisions::EditedAt))
        .to_owned()
}

fn indexes() -> Vec<IndexCreateStatement> {
    let list = |name: &str, cols: &[UseCases]| tables::index(name, UseCases::Table, cols.to_vec());
    vec![
        list(
            "ix_use_cases_latest",
            &[UseCases::Status, UseCases::SortTime, UseCases::Id],
        ),
        list(
            "ix_use_cases_popular",
            &[UseCases::Status, UseCases::ViewCount, UseCases::Id],
        ),
        list(
            "ix_use_cases_industry",
            &[UseCases::Status, UseCases::IndustryKey, UseCases::SortTime],
        ),
        list(
            "ix_use_cases_city",
            &[UseCases::Status, UseCases::CityKey, UseCases::SortTime],
        ),
        list(
            "ix_use_cases_org",
            &[
                UseCases::OrganizationId,
                UseCases::Status,
                UseCases::SortTime,
            ],
        ),
        tables::index(
            "ix_use_case_terms_value",
            UseCaseTerms::Table,
            [
                UseCaseTerms::Facet,
                UseCaseTerms::Value,
                UseCaseTerms::UseCaseId,
            ],
        ),
        tables::index(
            "ix_use_case_revisions_use_case",
            UseCaseRevisions::Table,
            [UseCaseRevisions::UseCaseId, UseCaseRevisions::EditedAt],
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::create(
            manager,
            [use_cases(), terms(), views(), revisions()],
            indexes(),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::drop(
            manager,
            [
                UseCaseRevisions::Table.into_iden(),
                UseCaseViews::Table.into_iden(),
                UseCaseTerms::Table.into_iden(),
                UseCases::Table.into_iden(),
            ],
        )
        .await
    }
}
