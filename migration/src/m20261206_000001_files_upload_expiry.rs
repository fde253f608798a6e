//! Presigned uploads go to a staging object that the upload URL can create
//! once; the server copies the checked bytes to the file's own object.
//! `files.upload_expires_at` is when that URL stops working: until then the
//! staging object is kept (so the URL keeps refusing a second `PUT`), after it
//! the sweeper deletes the staging object.

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::timestamp_with_time_zone_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Files {
    Table,
    UploadExpiresAt,
}

const INDEX: &str = "ix_files_upload_expires";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = timestamp_with_time_zone_null(Files::UploadExpiresAt);
        tables::add_column(manager, Files::Table, column).await?;
        manager
            .create_index(tables::index(INDEX, Files::Table, [Files::UploadExpiresAt]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Files::Table).to_owned())
            .await?;
        tables::drop_column(manager, Files::Table, Files::UploadExpiresAt).await
    }
}
