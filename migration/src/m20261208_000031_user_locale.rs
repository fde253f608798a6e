//! `users.locale` and `invitations.locale`: the language (`ar` or `en`) a
//! person reads the platform's emails in, and the one an invitation is
//! written in (the invitee has no account yet). Existing rows read English,
//! the language every email was written in until now.

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::string_len;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Locale,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Locale,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = string_len(Users::Locale, 8).default("en").to_owned();
        tables::add_column(manager, Users::Table, column).await?;
        let column = string_len(Invitations::Locale, 8).default("en").to_owned();
        tables::add_column(manager, Invitations::Table, column).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::drop_column(manager, Invitations::Table, Invitations::Locale).await?;
        tables::drop_column(manager, Users::Table, Users::Locale).await
    }
}
