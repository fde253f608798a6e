//! Stored files: one row per object in the file store, with its uploader, its
//! owner (the content it is attached to, once attached) and its expiry (set
//! while unattached or after its owner let go; the sweeper deletes expired
//! files, object first).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Files {
    Table,
    Id,
    StorageKey,
    UploaderId,
    OrganizationId,
    Filename,
    ContentType,
    Size,
    Sha256,
    Status,
    OwnerKind,
    OwnerId,
    Position,
    ExpiresAt,
    CreatedAt,
    UpdatedAt,
}

fn files() -> TableCreateStatement {
    Table::create()
        .table(Files::Table)
        .col(ColumnDef::new(Files::Id).uuid().not_null().primary_key())
        .col(ColumnDef::new(Files::StorageKey).string_len(300).not_null())
        .col(ColumnDef::new(Files::UploaderId).uuid().not_null())
        .col(ColumnDef::new(Files::OrganizationId).uuid().not_null())
        .col(ColumnDef::new(Files::Filename).string_len(255).null())
        .col(
            ColumnDef::new(Files::ContentType)
                .string_len(150)
                .not_null(),
        )
        .col(ColumnDef::new(Files::Size).big_integer().not_null())
        .col(ColumnDef::new(Files::Sha256).string_len(64).null())
        .col(ColumnDef::new(Files::Status).string_len(16).not_null())
        .col(ColumnDef::new(Files::OwnerKind).string_len(40).null())
        .col(ColumnDef::new(Files::OwnerId).uuid().null())
        .col(
            ColumnDef::new(Files::Position)
                .integer()
                .not_null()
                .default(0),
        )
        .col(
            ColumnDef::new(Files::ExpiresAt)
                .timestamp_with_time_zone()
                .null(),
        )
        .col(
            ColumnDef::new(Files::CreatedAt)
                .timestamp_with_time_zone()
                .not_null(),
        )
        .col(
            ColumnDef::new(Files::UpdatedAt)
                .timestamp_with_time_zone()
                .not_null(),
        )
        .to_owned()
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        Index::create()
            .name("ix_files_owner")
            .table(Files::Table)
            .col(Files::OwnerKind)
            .col(Files::OwnerId)
            .col(Files::Position)
            .to_owned(),
        Index::create()
            .name("ix_files_expires")
            .table(Files::Table)
            .col(Files::ExpiresAt)
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(files()).await?;
        for index in indexes() {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Files::Table).to_owned())
            .await
    }
}
