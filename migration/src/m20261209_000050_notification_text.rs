//! `notifications.title_text`: what a notification says as its parts (a
//! `p2p_kernel::ports::NotificationText` as JSON: what happened, the names
//! and titles it mentions), so that it is written in each reader's language
//! when shown. Rows stored before it have none and keep showing their
//! `title`, written in English when they were created.

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::text_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    TitleText,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = text_null(Notifications::TitleText);
        tables::add_column(manager, Notifications::Table, column).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::drop_column(manager, Notifications::Table, Notifications::TitleText).await
    }
}
