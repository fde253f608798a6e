//! Moderation of private messages and of the notifications about content:
//! `messages.hidden` (a moderator hid it from its recipient; its sender
//! still sees it), `messages.deleted_at` (a moderator deleted it: its
//! content is replaced by a tombstone), and `notifications.withheld` (what
//! the notification is about is hidden or deleted: its recipient no longer
//! sees it).

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{boolean, timestamp_with_time_zone_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Messages {
    Table,
    Hidden,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Withheld,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let hidden = boolean(Messages::Hidden).default(false).to_owned();
        tables::add_column(manager, Messages::Table, hidden).await?;
        let deleted = timestamp_with_time_zone_null(Messages::DeletedAt);
        tables::add_column(manager, Messages::Table, deleted).await?;
        let withheld = boolean(Notifications::Withheld).default(false).to_owned();
        tables::add_column(manager, Notifications::Table, withheld).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::drop_column(manager, Notifications::Table, Notifications::Withheld).await?;
        tables::drop_column(manager, Messages::Table, Messages::DeletedAt).await?;
        tables::drop_column(manager, Messages::Table, Messages::Hidden).await
    }
}
