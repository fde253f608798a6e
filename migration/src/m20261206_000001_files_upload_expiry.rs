//! Presigned uploads go to a staging object that the upload URL can create
//! once; the server copies the checked bytes to the file's own object.
//! `files.upload_expires_at` is when that URL stops working: until then the
//! staging object is kept (so the URL keeps refusing a second `PUT`), after it
//! the sweeper deletes the staging object.

use sea_orm_migration::prelude::*;

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
        manager
            .alter_table(
                Table::alter()
                    .table(Files::Table)
                    .add_column(
                        ColumnDef::new(Files::UploadExpiresAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Files::Table)
                    .col(Files::UploadExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Files::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Files::Table)
                    .drop_column(Files::UploadExpiresAt)
                    .to_owned(),
            )
            .await
    }
}
