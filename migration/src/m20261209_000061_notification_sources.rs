//! `notification_sources`: which users were notified of what
//! (`NotificationRequest::source`), written with their notifications, so that
//! a request handled twice (an outbox event after a crash) notifies nobody
//! twice.

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string_len, timestamp_with_time_zone, uuid};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NotificationSources {
    Table,
    UserId,
    Source,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sources = Table::create()
            .table(NotificationSources::Table)
            .col(uuid(NotificationSources::UserId))
            .col(string_len(NotificationSources::Source, 120))
            .col(timestamp_with_time_zone(NotificationSources::CreatedAt))
            .primary_key(
                Index::create()
                    .col(NotificationSources::UserId)
                    .col(NotificationSources::Source),
            )
            .to_owned();
        tables::create(manager, [sources], []).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::drop(manager, [NotificationSources::Table.into_iden()]).await
    }
}
