//! `notification_sources` by age: the event outbox purges the sources older
//! than its retention (`p2p_kernel::outbox::events::Retained`), oldest first.

use crate::tables;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum NotificationSources {
    Table,
    CreatedAt,
}

const INDEX: &str = "ix_notification_sources_created_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let index = tables::index(
            INDEX,
            NotificationSources::Table,
            [NotificationSources::CreatedAt],
        );
        tables::create(manager, [], [index]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::drop_index(manager, NotificationSources::Table, INDEX).await
    }
}
