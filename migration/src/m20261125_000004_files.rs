//! Stored files: one row per object in the file store, with its uploader, its
//! owner (the content it is attached to, once attached) and its expiry (set
//! while unattached or after its owner let go; the sweeper deletes expired
//! files, object first).

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

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
        .col(uuid(Files::Id).primary_key())
        .col(string_len(Files::StorageKey, 300))
        .col(uuid(Files::UploaderId))
        .col(uuid(Files::OrganizationId))
        .col(string_len_null(Files::Filename, 255))
        .col(string_len(Files::ContentType, 150))
        .col(big_integer(Files::Size))
        .col(string_len_null(Files::Sha256, 64))
        .col(string_len(Files::Status, 16))
        .col(string_len_null(Files::OwnerKind, 40))
        .col(uuid_null(Files::OwnerId))
        .col(integer(Files::Position).default(0))
        .col(timestamp_with_time_zone_null(Files::ExpiresAt))
        .col(timestamp_with_time_zone(Files::CreatedAt))
        .col(timestamp_with_time_zone(Files::UpdatedAt))
        .to_owned()
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        tables::index(
            "ix_files_owner",
            Files::Table,
            [Files::OwnerKind, Files::OwnerId, Files::Position],
        ),
        tables::index("ix_files_expires", Files::Table, [Files::ExpiresAt]),
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
