//! `event_outbox.parked_at`: an event whose handler kept failing (bounded
//! retries, `p2p_kernel::outbox::events`) is parked, a dead letter: it stays
//! for operators, out of its stream's order, so the stream's later events
//! proceed; it is purged after the retention like the rest.

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::timestamp_with_time_zone_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EventOutbox {
    Table,
    ParkedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = timestamp_with_time_zone_null(EventOutbox::ParkedAt);
        tables::add_column(manager, EventOutbox::Table, column).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::drop_column(manager, EventOutbox::Table, EventOutbox::ParkedAt).await
    }
}
