//! Notifications, each user's email preference per kind, and the pending
//! email digests (one per user per window).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Kind,
    ActorId,
    Title,
    Link,
    Data,
    ReadAt,
    EmailPending,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NotificationPreferences {
    Table,
    UserId,
    Kind,
    Email,
}

#[derive(DeriveIden)]
enum NotificationDigests {
    Table,
    UserId,
    DueAt,
}

fn uuid(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).uuid().not_null().to_owned()
}

fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn kind(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).string_len(40).not_null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(uuid(Notifications::Id).primary_key())
                    .col(uuid(Notifications::UserId))
                    .col(kind(Notifications::Kind))
                    .col(ColumnDef::new(Notifications::ActorId).uuid().null())
                    .col(
                        ColumnDef::new(Notifications::Title)
                            .string_len(300)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Notifications::Link).string_len(500).null())
                    .col(ColumnDef::new(Notifications::Data).text().not_null())
                    .col(
                        ColumnDef::new(Notifications::ReadAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Notifications::EmailPending)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ts(Notifications::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notifications_user_id")
                    .table(Notifications::Table)
                    .col(Notifications::UserId)
                    .col(Notifications::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotificationPreferences::Table)
                    .col(uuid(NotificationPreferences::UserId))
                    .col(kind(NotificationPreferences::Kind))
                    .col(
                        ColumnDef::new(NotificationPreferences::Email)
                            .boolean()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(NotificationPreferences::UserId)
                            .col(NotificationPreferences::Kind),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotificationDigests::Table)
                    .col(uuid(NotificationDigests::UserId).primary_key())
                    .col(ts(NotificationDigests::DueAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            NotificationDigests::Table.into_iden(),
            NotificationPreferences::Table.into_iden(),
            Notifications::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
