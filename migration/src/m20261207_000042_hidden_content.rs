//! `hidden` on topics, posts and use cases kept in the relational database:
//! content a moderator hid, visible only to its author and moderators.

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::boolean;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ForumTopics {
    Table,
}

#[derive(DeriveIden)]
enum ForumPosts {
    Table,
}

#[derive(DeriveIden)]
enum UseCases {
    Table,
}

#[derive(DeriveIden)]
enum Content {
    Hidden,
}

fn tables() -> [DynIden; 3] {
    [
        ForumTopics::Table.into_iden(),
        ForumPosts::Table.into_iden(),
        UseCases::Table.into_iden(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            let column = boolean(Content::Hidden).default(false).to_owned();
            tables::add_column(manager, table, column).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            tables::drop_column(manager, table, Content::Hidden).await?;
        }
        Ok(())
    }
}
