//! The forum: topics and their tags; posts, upvotes and revisions for the
//! embedded deployment (the full deployment keeps posts in MongoDB).
//!
//! Topic lists are keyset-paginated, so each sort has an index that starts
//! with `pinned` (pinned topics come first) and ends with `id` (the tiebreak).
//! A post's `thread_key` is its materialized path (fixed-width hex segments),
//! so thread order is the key's byte order: PostgreSQL compares it with the
//! `C` collation.

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ForumTopics {
    Table,
    Id,
    OrganizationId,
    AuthorId,
    Title,
    Category,
    CategoryKey,
    Tags,
    Pinned,
    Locked,
    PostCount,
    ReplyCount,
    UpvoteCount,
    ParticipantCount,
    TrendingScore,
    LastActivityAt,
    FirstPostId,
    BestAnswerPostId,
    Excerpt,
    SearchText,
    CreatedDay,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ForumTopicTags {
    Table,
    TopicId,
    Tag,
}

#[derive(DeriveIden)]
enum ForumPosts {
    Table,
    Id,
    TopicId,
    OrganizationId,
    ParentId,
    AuthorId,
    ThreadKey,
    Depth,
    Content,
    ContentHtml,
    Attachments,
    MentionedUserIds,
    UpvoteCount,
    IsBestAnswer,
    Deleted,
    RevisionCount,
    CreatedDay,
    CreatedAt,
    UpdatedAt,
    EditedAt,
}

#[derive(DeriveIden)]
enum ForumPostUpvotes {
    Table,
    PostId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ForumPostRevisions {
    Table,
    Id,
    PostId,
    Content,
    EditedAt,
    EditedBy,
}

fn topics() -> TableCreateStatement {
    Table::create()
        .table(ForumTopics::Table)
        .col(uuid(ForumTopics::Id).primary_key())
        .col(uuid(ForumTopics::OrganizationId))
        .col(uuid(ForumTopics::AuthorId))
        .col(string_len(ForumTopics::Title, 200))
        .col(string_len_null(ForumTopics::Category, 100))
        .col(string_len_null(ForumTopics::CategoryKey, 100))
        .col(text(ForumTopics::Tags))
        .col(boolean(ForumTopics::Pinned).default(false))
        .col(boolean(ForumTopics::Locked).default(false))
        .col(integer(ForumTopics::PostCount).default(0))
        .col(integer(ForumTopics::ReplyCount).default(0))
        .col(integer(ForumTopics::UpvoteCount).default(0))
        .col(integer(ForumTopics::ParticipantCount).default(0))
        .col(double(ForumTopics::TrendingScore).default(0.0))
        .col(timestamp_with_time_zone(ForumTopics::LastActivityAt))
        .col(uuid(ForumTopics::FirstPostId))
        .col(uuid_null(ForumTopics::BestAnswerPostId))
        .col(string_len(ForumTopics::Excerpt, 400))
        .col(text(ForumTopics::SearchText))
        .col(string_len(ForumTopics::CreatedDay, 10))
        .col(timestamp_with_time_zone(ForumTopics::CreatedAt))
        .col(timestamp_with_time_zone(ForumTopics::UpdatedAt))
        .to_owned()
}

fn topic_tags() -> TableCreateStatement {
    Table::create()
        .table(ForumTopicTags::Table)
        .col(uuid(ForumTopicTags::TopicId))
        .col(string_len(ForumTopicTags::Tag, 40))
        .primary_key(
            Index::create()
                .col(ForumTopicTags::TopicId)
                .col(ForumTopicTags::Tag),
        )
        .foreign_key(
            ForeignKey::create()
                .name("fk_forum_topic_tags_topic")
                .from(ForumTopicTags::Table, ForumTopicTags::TopicId)
                .to(ForumTopics::Table, ForumTopics::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn posts(backend: DbBackend) -> TableCreateStatement {
    let mut thread_key = ColumnDef::new(ForumPosts::ThreadKey);
    thread_key.string_len(1024).not_null();
    if backend == DbBackend::Postgres {
        thread_key.extra("COLLATE \"C\"");
    }
    Table::create()
        .table(ForumPosts::Table)
        .col(uuid(ForumPosts::Id).primary_key())
        .col(uuid(ForumPosts::TopicId))
        .col(uuid(ForumPosts::OrganizationId))
        .col(uuid_null(ForumPosts::ParentId))
        .col(uuid(ForumPosts::AuthorId))
        .col(thread_key)
        .col(integer(ForumPosts::Depth).default(0))
        .col(text(ForumPosts::Content))
        .col(text(ForumPosts::ContentHtml))
        .col(text(ForumPosts::Attachments))
        .col(text(ForumPosts::MentionedUserIds))
        .col(integer(ForumPosts::UpvoteCount).default(0))
        .col(boolean(ForumPosts::IsBestAnswer).default(false))
        .col(boolean(ForumPosts::Deleted).default(false))
        .col(integer(ForumPosts::RevisionCount).default(0))
        .col(string_len(ForumPosts::CreatedDay, 10))
        .col(timestamp_with_time_zone(ForumPosts::CreatedAt))
        .col(timestamp_with_time_zone(ForumPosts::UpdatedAt))
        .col(timestamp_with_time_zone_null(ForumPosts::EditedAt))
        .to_owned()
}

fn post_upvotes() -> TableCreateStatement {
    Table::create()
        .table(ForumPostUpvotes::Table)
        .col(uuid(ForumPostUpvotes::PostId))
        .col(uuid(ForumPostUpvotes::UserId))
        .col(timestamp_with_time_zone(ForumPostUpvotes::CreatedAt))
        .primary_key(
            Index::create()
                .col(ForumPostUpvotes::PostId)
                .col(ForumPostUpvotes::UserId),
        )
        .foreign_key(
            ForeignKey::create()
                .name("fk_forum_post_upvotes_post")
                .from(ForumPostUpvotes::Table, ForumPostUpvotes::PostId)
                .to(ForumPosts::Table, ForumPosts::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn post_revisions() -> TableCreateStatement {
    Table::create()
        .table(ForumPostRevisions::Table)
        .col(uuid(ForumPostRevisions::Id).primary_key())
        .col(uuid(ForumPostRevisions::PostId))
        .col(text(ForumPostRevisions::Content))
        .col(timestamp_with_time_zone(ForumPostRevisions::EditedAt))
        .col(uuid(ForumPostRevisions::EditedBy))
        .foreign_key(
            ForeignKey::create()
                .name("fk_forum_post_revisions_post")
                .from(ForumPostRevisions::Table, ForumPostRevisions::PostId)
                .to(ForumPosts::Table, ForumPosts::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        tables::index(
            "ix_forum_topics_latest",
            ForumTopics::Table,
            [ForumTopics::Pinned, ForumTopics::CreatedAt, ForumTopics::Id],
        ),
        tables::index(
            "ix_forum_topics_top",
            ForumTopics::Table,
            [
                ForumTopics::Pinned,
                ForumTopics::UpvoteCount,
                ForumTopics::Id,
            ],
        ),
        tables::index(
            "ix_forum_topics_trending",
            ForumTopics::Table,
            [
                ForumTopics::Pinned,
                ForumTopics::TrendingScore,
                ForumTopics::Id,
            ],
        ),
        tables::index(
            "ix_forum_topics_unanswered",
            ForumTopics::Table,
            [
                ForumTopics::ReplyCount,
                ForumTopics::Pinned,
                ForumTopics::CreatedAt,
                ForumTopics::Id,
            ],
        ),
        tables::index(
            "ix_forum_topics_author",
            ForumTopics::Table,
            [ForumTopics::AuthorId, ForumTopics::CreatedAt],
        ),
        tables::index(
            "ix_forum_topics_category",
            ForumTopics::Table,
            [ForumTopics::CategoryKey, ForumTopics::CreatedAt],
        ),
        tables::index(
            "ix_forum_topics_org_day",
            ForumTopics::Table,
            [ForumTopics::OrganizationId, ForumTopics::CreatedDay],
        ),
        tables::index(
            "ix_forum_topic_tags_tag",
            ForumTopicTags::Table,
            [ForumTopicTags::Tag, ForumTopicTags::TopicId],
        ),
        Index::create()
            .name("ux_forum_posts_thread")
            .table(ForumPosts::Table)
            .col(ForumPosts::TopicId)
            .col(ForumPosts::ThreadKey)
            .unique()
            .to_owned(),
        tables::index(
            "ix_forum_posts_topic_created",
            ForumPosts::Table,
            [ForumPosts::TopicId, ForumPosts::CreatedAt, ForumPosts::Id],
        ),
        tables::index(
            "ix_forum_posts_org_day",
            ForumPosts::Table,
            [ForumPosts::OrganizationId, ForumPosts::CreatedDay],
        ),
        tables::index(
            "ix_forum_post_upvotes_user",
            ForumPostUpvotes::Table,
            [ForumPostUpvotes::UserId, ForumPostUpvotes::PostId],
        ),
        tables::index(
            "ix_forum_post_revisions_post",
            ForumPostRevisions::Table,
            [ForumPostRevisions::PostId, ForumPostRevisions::EditedAt],
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        tables::create(
            manager,
            [
                topics(),
                topic_tags(),
                posts(backend),
                post_upvotes(),
                post_revisions(),
            ],
            indexes(),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::drop(
            manager,
            [
                ForumPostRevisions::Table.into_iden(),
                ForumPostUpvotes::Table.into_iden(),
                ForumPosts::Table.into_iden(),
                ForumTopicTags::Table.into_iden(),
                ForumTopics::Table.into_iden(),
            ],
        )
        .await
    }
}
