//! Private messages between two users, each side's read state, and blocks.
//!
//! A conversation is the pair of its participants: messages carry the pair
//! (`user_low` < `user_high`) and are read newest first by id (UUID v7, time
//! ordered). Each participant has a row in `messaging_participants` with the
//! last message of the conversation (what the conversation list sorts by) and
//! the last message they have read; unread counts are counted from the
//! messages after it, never stored, so they cannot drift.

use crate::tables;
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
        let messages = Table::create()
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
            .to_owned();
        let messaging_participants = Table::create()
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
            .to_owned();
        let messaging_blocks = Table::create()
            .table(MessagingBlocks::Table)
            .col(uuid(MessagingBlocks::BlockerId))
            .col(uuid(MessagingBlocks::BlockedId))
            .col(timestamp_with_time_zone(MessagingBlocks::CreatedAt))
            .primary_key(
                Index::create()
                    .col(MessagingBlocks::BlockerId)
                    .col(MessagingBlocks::BlockedId),
            )
            .to_owned();
        tables::create(
            manager,
            [messages, messaging_participants, messaging_blocks],
            [
                tables::index(
                    "ix_messages_pair_id",
                    Messages::Table,
                    [Messages::UserLow, Messages::UserHigh, Messages::Id],
                ),
                tables::index(
                    "ix_messages_unread",
                    Messages::Table,
                    [Messages::RecipientId, Messages::SenderId, Messages::Id],
                ),
                tables::index(
                    "ix_messaging_participants_recent",
                    MessagingParticipants::Table,
                    [
                        MessagingParticipants::UserId,
                        MessagingParticipants::LastMessageId,
                    ],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::drop(
            manager,
            [
                MessagingBlocks::Table.into_iden(),
                MessagingParticipants::Table.into_iden(),
                Messages::Table.into_iden(),
            ],
        )
        .await
    }
}
