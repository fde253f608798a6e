//! Indexes for what one person wrote, read from the stores by their
//! personal-data export: `ix_use_cases_submitter` (submitted_by, status,
//! sort_time) and `ix_forum_posts_author` (author_id, id).

use crate::tables;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UseCases {
    Table,
    SubmittedBy,
    Status,
    SortTime,
}

#[derive(DeriveIden)]
enum ForumPosts {
    Table,
    AuthorId,
    Id,
}

const USE_CASES: &str = "ix_use_cases_submitter";
const POSTS: &str = "ix_forum_posts_author";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [UseCases::SubmittedBy, UseCases::Status, UseCases::SortTime];
        let use_cases = tables::index(USE_CASES, UseCases::Table, columns);
        manager.create_index(use_cases).await?;
        let posts = tables::index(
            POSTS,
            ForumPosts::Table,
            [ForumPosts::AuthorId, ForumPosts::Id],
        );
        manager.create_index(posts).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::drop_index(manager, ForumPosts::Table, POSTS).await?;
        tables::drop_index(manager, UseCases::Table, USE_CASES).await
    }
}
