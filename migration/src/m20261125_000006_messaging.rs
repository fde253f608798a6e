//! Private messages between two users, each side's read state, and blocks.
//!
//! A conversation is the pair of its participants: messages carry the pair
//! (`user_low` < `user_high`) and are read newest first by id (UUID v7, time
//! ordered). Each participant has a row in `messaging_participants` with the
//! last message of the conversation (what the conversation list sorts by) and
//! the last message they have read; unread counts are counted from the
//! messages after it, never stored, so they cannot drift.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Messages {
    Table,
    Id,
    SenderId,
    RecipientId,
    UserLow,
    UserHigh,
    Content,
    ContentHtml,
    Attachments,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MessagingParticipants {
    Table,
    UserId,
    OtherUserId,
    LastMessageId,
    LastReadMessageId,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MessagingBlocks {
    Table,
    BlockerId,
    BlockedId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Messages::Table)
                    .col(uuid(Messages::Id).primary_key())
                    .col(uuid(Messages::SenderId))
                    .col(uuid(Messages::RecipientId))
                    .col(uuid(Messages::UserLow))
                    .col(uuid(Messages::UserHigh))
                    .col(text(Messages::Content))
                    .col(text(Messages::ContentHtml))
                    .col(text(Messages::Attachments))
                    .col(timestamp_with_time_zone(Messages::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_messages_pair_id")
                    .table(Messages::Table)
                    .col(Messages::UserLow)
                    .col(Messages::UserHigh)
                    .col(Messages::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_messages_unread")
                    .table(Messages::Table)
                    .col(Messages::RecipientId)
                    .col(Messages::SenderId)
                    .col(Messages::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MessagingParticipants::Table)
                    .col(uuid(MessagingParticipants::UserId))
                    .col(uuid(MessagingParticipants::OtherUserId))
                    .col(uuid(MessagingParticipants::LastMessageId))
                    .col(uuid_null(MessagingParticipants::LastReadMessageId))
                    .col(timestamp_with_time_zone(MessagingParticipants::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(MessagingParticipants::UserId)
                            .col(MessagingParticipants::OtherUserId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_messaging_participants_recent")
                    .table(MessagingParticipants::Table)
                    .col(MessagingParticipants::UserId)
                    .col(MessagingParticipants::LastMessageId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MessagingBlocks::Table)
                    .col(uuid(MessagingBlocks::BlockerId))
                    .col(uuid(MessagingBlocks::BlockedId))
                    .col(timestamp_with_time_zone(MessagingBlocks::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(MessagingBlocks::BlockerId)
                            .col(MessagingBlocks::BlockedId),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MessagingBlocks::Table.into_iden(),
            MessagingParticipants::Table.into_iden(),
            Messages::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
