//! `invitations.revoked_at`: an invitation withdrawn before it was accepted
//! (its inviter stopped being an active admin); its link then answers 410.

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::timestamp_with_time_zone_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Invitations {
    Table,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = timestamp_with_time_zone_null(Invitations::RevokedAt);
        tables::add_column(manager, Invitations::Table, column).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::drop_column(manager, Invitations::Table, Invitations::RevokedAt).await
    }
}
