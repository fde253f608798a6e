//! The event outbox (`p2p_kernel::outbox::events`): events recorded in the
//! transaction of the change that causes them, applied afterwards in order
//! per stream. `id` gives the order; `(stream, id)` finds a stream's oldest.

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, integer, string_len, text, text_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EventOutbox {
    Table,
    Id,
    Stream,
    Kind,
    Payload,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let outbox = Table::create()
            .table(EventOutbox::Table)
            .col(big_integer(EventOutbox::Id).auto_increment().primary_key())
            .col(string_len(EventOutbox::Stream, 120))
            .col(string_len(EventOutbox::Kind, 60))
            .col(text(EventOutbox::Payload))
            .col(integer(EventOutbox::Attempts).default(0))
            .col(timestamp_with_time_zone(EventOutbox::NextAttemptAt))
            .col(timestamp_with_time_zone_null(EventOutbox::LockedUntil))
            .col(text_null(EventOutbox::LastError))
            .col(timestamp_with_time_zone(EventOutbox::CreatedAt))
            .to_owned();
        let streams = tables::index(
            "ix_event_outbox_stream",
            EventOutbox::Table,
            [EventOutbox::Stream, EventOutbox::Id],
        );
        tables::create(manager, [outbox], [streams]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::drop(manager, [EventOutbox::Table.into_iden()]).await
    }
}
