//! Notifications, each user's email preference per kind, and the pending
//! email digests (one per user per window).

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let notifications = Table::create()
            .table(Notifications::Table)
            .col(uuid(Notifications::Id).primary_key())
            .col(uuid(Notifications::UserId))
            .col(string_len(Notifications::Kind, 40))
            .col(uuid_null(Notifications::ActorId))
            .col(string_len(Notifications::Title, 300))
            .col(string_len_null(Notifications::Link, 500))
            .col(text(Notifications::Data))
            .col(timestamp_with_time_zone_null(Notifications::ReadAt))
            .col(boolean(Notifications::EmailPending).default(false))
            .col(timestamp_with_time_zone(Notifications::CreatedAt))
            .to_owned();
        let notification_preferences = Table::create()
            .table(NotificationPreferences::Table)
            .col(uuid(NotificationPreferences::UserId))
            .col(string_len(NotificationPreferences::Kind, 40))
            .col(boolean(NotificationPreferences::Email))
            .primary_key(
                Index::create()
                    .col(NotificationPreferences::UserId)
                    .col(NotificationPreferences::Kind),
            )
            .to_owned();
        let notification_digests = Table::create()
            .table(NotificationDigests::Table)
            .col(uuid(NotificationDigests::UserId).primary_key())
            .col(timestamp_with_time_zone(NotificationDigests::DueAt))
            .to_owned();
        tables::create(
            manager,
            [
                notifications,
                notification_preferences,
                notification_digests,
            ],
            [tables::index(
                "ix_notifications_user_id",
                Notifications::Table,
                [Notifications::UserId, Notifications::Id],
            )],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::drop(
            manager,
            [
                NotificationDigests::Table.into_iden(),
                NotificationPreferences::Table.into_iden(),
                Notifications::Table.into_iden(),
            ],
        )
        .await
    }
}
