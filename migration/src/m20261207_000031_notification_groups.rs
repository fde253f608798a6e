//! Grouped notifications: several events about one thing (replies in one
//! topic) within a window make one notification. `group_key` names the group
//! while it is open (at most one open notification per user and key: the
//! unique index, which lets concurrent replies join one row instead of each
//! opening its own); `group_count` is how many events it stands for;
//! `subject` is what they are about (the topic's title); `updated_at` is when
//! the last one joined.

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{integer, string_len_null, timestamp_with_time_zone_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    UserId,
    GroupKey,
    GroupCount,
    Subject,
    UpdatedAt,
}

const GROUP_INDEX: &str = "ux_notifications_user_group";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            string_len_null(Notifications::GroupKey, 100),
            integer(Notifications::GroupCount).default(1).to_owned(),
            string_len_null(Notifications::Subject, 300),
            timestamp_with_time_zone_null(Notifications::UpdatedAt),
        ] {
            tables::add_column(manager, Notifications::Table, column).await?;
        }
        let mut index = tables::index(
            GROUP_INDEX,
            Notifications::Table,
            [Notifications::UserId, Notifications::GroupKey],
        );
        manager.create_index(index.unique().to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(GROUP_INDEX)
                    .table(Notifications::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            Notifications::UpdatedAt,
            Notifications::Subject,
            Notifications::GroupCount,
            Notifications::GroupKey,
        ] {
            tables::drop_column(manager, Notifications::Table, column).await?;
        }
        Ok(())
    }
}
