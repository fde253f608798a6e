//! The transactional mail outbox: emails are written in the same transaction
//! as the change that causes them and delivered by a background worker.

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    integer, string_len, text, text_null, timestamp_with_time_zone, timestamp_with_time_zone_null,
    uuid,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    Id,
    Recipient,
    Subject,
    BodyText,
    BodyHtml,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    CreatedAt,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let outbox = Table::create()
            .table(MailOutbox::Table)
            .col(uuid(MailOutbox::Id).primary_key())
            .col(string_len(MailOutbox::Recipient, 320))
            .col(string_len(MailOutbox::Subject, 500))
            .col(text(MailOutbox::BodyText))
            .col(text_null(MailOutbox::BodyHtml))
            .col(integer(MailOutbox::Attempts).default(0))
            .col(timestamp_with_time_zone(MailOutbox::NextAttemptAt))
            .col(timestamp_with_time_zone_null(MailOutbox::LockedUntil))
            .col(text_null(MailOutbox::LastError))
            .col(timestamp_with_time_zone(MailOutbox::CreatedAt))
            .col(timestamp_with_time_zone_null(MailOutbox::SentAt))
            .to_owned();
        let due = tables::index(
            "ix_mail_outbox_due",
            MailOutbox::Table,
            [MailOutbox::SentAt, MailOutbox::NextAttemptAt],
        );
        tables::create(manager, [outbox], [due]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::drop(manager, [MailOutbox::Table.into_iden()]).await
    }
}
