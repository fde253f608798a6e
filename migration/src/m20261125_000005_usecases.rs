//! Use cases. The full document is JSON in `use_cases.doc` (the embedded
//! deployment; the full one keeps use cases in MongoDB); the columns beside it
//! are what the list filters, sorts and facets on, and `use_case_terms` holds
//! one row per technology and tag so those filters use an index.
//! `use_case_views` (one row per use case, user and day) and
//! `use_case_revisions` serve both deployments.

use sea_orm_migration::prelude::*;

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

fn uuid(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).uuid().not_null().to_owned()
}

fn text(col: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).not_null().to_owned()
}

fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn use_cases() -> TableCreateStatement {
    Table::create()
        .table(UseCases::Table)
        .col(uuid(UseCases::Id).primary_key())
        .col(uuid(UseCases::OrganizationId))
        .col(uuid(UseCases::SubmittedBy))
        .col(text(UseCases::Status, 16))
        .col(text(UseCases::IndustryKey, 100))
        .col(ColumnDef::new(UseCases::CityKey).string_len(100).null())
        .col(ColumnDef::new(UseCases::SearchText).text().not_null())
        .col(
            ColumnDef::new(UseCases::ViewCount)
                .big_integer()
                .not_null()
                .default(0),
        )
        .col(ColumnDef::new(UseCases::SortTime).big_integer().not_null())
        .col(ColumnDef::new(UseCases::Doc).text().not_null())
        .col(ts(UseCases::CreatedAt))
        .col(ts(UseCases::UpdatedAt))
        .to_owned()
}

fn terms() -> TableCreateStatement {
    Table::create()
        .table(UseCaseTerms::Table)
        .col(uuid(UseCaseTerms::UseCaseId))
        .col(text(UseCaseTerms::Facet, 16))
        .col(text(UseCaseTerms::Value, 100))
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
        .col(text(UseCaseViews::Day, 10))
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
        .col(ColumnDef::new(UseCaseRevisions::Doc).text().not_null())
        .col(ts(UseCaseRevisions::EditedAt))
        .to_owned()
}

fn indexes() -> Vec<IndexCreateStatement> {
    let list = |name: &str, cols: &[UseCases]| {
        let mut index = Index::create();
        index.name(name).table(UseCases::Table);
        for col in cols {
            index.col(*col);
        }
        index.to_owned()
    };
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
        Index::create()
            .name("ix_use_case_terms_value")
            .table(UseCaseTerms::Table)
            .col(UseCaseTerms::Facet)
            .col(UseCaseTerms::Value)
            .col(UseCaseTerms::UseCaseId)
            .to_owned(),
        Index::create()
            .name("ix_use_case_revisions_use_case")
            .table(UseCaseRevisions::Table)
            .col(UseCaseRevisions::UseCaseId)
            .col(UseCaseRevisions::EditedAt)
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [use_cases(), terms(), views(), revisions()] {
            manager.create_table(table).await?;
        }
        for index in indexes() {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            UseCaseRevisions::Table.into_iden(),
            UseCaseViews::Table.into_iden(),
            UseCaseTerms::Table.into_iden(),
            UseCases::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
