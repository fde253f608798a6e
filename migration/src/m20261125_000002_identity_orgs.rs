//! Organizations and identity: users, sessions, refresh tokens, one-time tokens
//! (email verification, password reset) and invitations.
//!
//! Unique indexes back the business rules that concurrent requests could
//! otherwise break: one organization per email domain, one account per email,
//! one invitation per organization and email, and token hashes.

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    Name,
    Domain,
    Industry,
    Size,
    Country,
    City,
    Description,
    Website,
    LogoUrl,
    IsActive,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    OrganizationId,
    Email,
    PasswordHash,
    FirstName,
    LastName,
    Handle,
    JobTitle,
    Bio,
    Phone,
    AvatarUrl,
    AvatarFileId,
    Role,
    IsSuperuser,
    IsActive,
    EmailVerifiedAt,
    SecurityStamp,
    CreatedAt,
    UpdatedAt,
    LastLoginAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    UserAgent,
    Ip,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    SessionId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum OneTimeTokens {
    Table,
    Id,
    UserId,
    Purpose,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    OrganizationId,
    Email,
    Role,
    TokenHash,
    InvitedBy,
    CreatedAt,
    ExpiresAt,
    AcceptedAt,
}

fn organizations() -> TableCreateStatement {
    Table::create()
        .table(Organizations::Table)
        .col(uuid(Organizations::Id).primary_key())
        .col(string_len(Organizations::Name, 200))
        .col(string_len(Organizations::Domain, 253))
        .col(string_len_null(Organizations::Industry, 100))
        .col(string_len_null(Organizations::Size, 50))
        .col(string_len_null(Organizations::Country, 100))
        .col(string_len_null(Organizations::City, 100))
        .col(text_null(Organizations::Description))
        .col(string_len_null(Organizations::Website, 2048))
        .col(string_len_null(Organizations::LogoUrl, 2048))
        .col(boolean(Organizations::IsActive).default(true))
        .col(timestamp_with_time_zone(Organizations::CreatedAt))
        .col(timestamp_with_time_zone(Organizations::UpdatedAt))
        .to_owned()
}

fn users() -> TableCreateStatement {
    Table::create()
        .table(Users::Table)
        .col(uuid(Users::Id).primary_key())
        .col(uuid(Users::OrganizationId))
        .col(string_len(Users::Email, 254))
        .col(string_len(Users::PasswordHash, 255))
        .col(string_len(Users::FirstName, 100))
        .col(string_len(Users::LastName, 100))
        .col(string_len(Users::Handle, 255))
        .col(string_len_null(Users::JobTitle, 100))
        .col(text_null(Users::Bio))
        .col(string_len_null(Users::Phone, 32))
        .col(string_len_null(Users::AvatarUrl, 2048))
        .col(uuid_null(Users::AvatarFileId))
        .col(string_len(Users::Role, 16))
        .col(boolean(Users::IsSuperuser).default(false))
        .col(boolean(Users::IsActive).default(true))
        .col(timestamp_with_time_zone_null(Users::EmailVerifiedAt))
        .col(string_len(Users::SecurityStamp, 64))
        .col(timestamp_with_time_zone(Users::CreatedAt))
        .col(timestamp_with_time_zone(Users::UpdatedAt))
        .col(timestamp_with_time_zone_null(Users::LastLoginAt))
        .foreign_key(
            ForeignKey::create()
                .name("fk_users_organization")
                .from(Users::Table, Users::OrganizationId)
                .to(Organizations::Table, Organizations::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned()
}

fn sessions() -> TableCreateStatement {
    Table::create()
        .table(Sessions::Table)
        .col(uuid(Sessions::Id).primary_key())
        .col(uuid(Sessions::UserId))
        .col(string_len_null(Sessions::UserAgent, 512))
        .col(string_len_null(Sessions::Ip, 64))
        .col(timestamp_with_time_zone(Sessions::CreatedAt))
        .col(timestamp_with_time_zone(Sessions::LastSeenAt))
        .col(timestamp_with_time_zone(Sessions::ExpiresAt))
        .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
        .foreign_key(
            ForeignKey::create()
                .name("fk_sessions_user")
                .from(Sessions::Table, Sessions::UserId)
                .to(Users::Table, Users::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn refresh_tokens() -> TableCreateStatement {
    Table::create()
        .table(RefreshTokens::Table)
        .col(uuid(RefreshTokens::Id).primary_key())
        .col(uuid(RefreshTokens::SessionId))
        .col(string_len(RefreshTokens::TokenHash, 64))
        .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
        .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
        .col(timestamp_with_time_zone_null(RefreshTokens::UsedAt))
        .foreign_key(
            ForeignKey::create()
                .name("fk_refresh_tokens_session")
                .from(RefreshTokens::Table, RefreshTokens::SessionId)
                .to(Sessions::Table, Sessions::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn one_time_tokens() -> TableCreateStatement {
    Table::create()
        .table(OneTimeTokens::Table)
        .col(uuid(OneTimeTokens::Id).primary_key())
        .col(uuid(OneTimeTokens::UserId))
        .col(string_len(OneTimeTokens::Purpose, 32))
        .col(string_len(OneTimeTokens::TokenHash, 64))
        .col(timestamp_with_time_zone(OneTimeTokens::CreatedAt))
        .col(timestamp_with_time_zone(OneTimeTokens::ExpiresAt))
        .col(timestamp_with_time_zone_null(OneTimeTokens::UsedAt))
        .foreign_key(
            ForeignKey::create()
                .name("fk_one_time_tokens_user")
                .from(OneTimeTokens::Table, OneTimeTokens::UserId)
                .to(Users::Table, Users::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .to_owned()
}

fn invitations() -> TableCreateStatement {
    Table::create()
        .table(Invitations::Table)
        .col(uuid(Invitations::Id).primary_key())
        .col(uuid(Invitations::OrganizationId))
        .col(string_len(Invitations::Email, 254))
        .col(string_len(Invitations::Role, 16))
        .col(string_len(Invitations::TokenHash, 64))
        .col(uuid_null(Invitations::InvitedBy))
        .col(timestamp_with_time_zone(Invitations::CreatedAt))
        .col(timestamp_with_time_zone(Invitations::ExpiresAt))
        .col(timestamp_with_time_zone_null(Invitations::AcceptedAt))
        .foreign_key(
            ForeignKey::create()
                .name("fk_invitations_organization")
                .from(Invitations::Table, Invitations::OrganizationId)
                .to(Organizations::Table, Organizations::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .name("fk_invitations_invited_by")
                .from(Invitations::Table, Invitations::InvitedBy)
                .to(Users::Table, Users::Id)
                .on_delete(ForeignKeyAction::SetNull),
        )
        .to_owned()
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        Index::create()
            .name("ux_organizations_domain")
            .table(Organizations::Table)
            .col(Organizations::Domain)
            .unique()
            .to_owned(),
        Index::create()
            .name("ux_users_email")
            .table(Users::Table)
            .col(Users::Email)
            .unique()
            .to_owned(),
        tables::index(
            "ix_users_org_created",
            Users::Table,
            [Users::OrganizationId, Users::CreatedAt, Users::Id],
        ),
        tables::index("ix_users_handle", Users::Table, [Users::Handle]),
        tables::index("ix_sessions_user", Sessions::Table, [Sessions::UserId]),
        Index::create()
            .name("ux_refresh_tokens_hash")
            .table(RefreshTokens::Table)
            .col(RefreshTokens::TokenHash)
            .unique()
            .to_owned(),
        tables::index(
            "ix_refresh_tokens_session",
            RefreshTokens::Table,
            [RefreshTokens::SessionId],
        ),
        Index::create()
            .name("ux_one_time_tokens_hash")
            .table(OneTimeTokens::Table)
            .col(OneTimeTokens::TokenHash)
            .unique()
            .to_owned(),
        tables::index(
            "ix_one_time_tokens_user",
            OneTimeTokens::Table,
            [OneTimeTokens::UserId, OneTimeTokens::Purpose],
        ),
        Index::create()
            .name("ux_invitations_hash")
            .table(Invitations::Table)
            .col(Invitations::TokenHash)
            .unique()
            .to_owned(),
        Index::create()
            .name("ux_invitations_org_email")
            .table(Invitations::Table)
            .col(Invitations::OrganizationId)
            .col(Invitations::Email)
            .unique()
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::create(
            manager,
            [
                organizations(),
                users(),
                sessions(),
                refresh_tokens(),
                one_time_tokens(),
                invitations(),
            ],
            indexes(),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::drop(
            manager,
            [
                Invitations::Table.into_iden(),
                OneTimeTokens::Table.into_iden(),
                RefreshTokens::Table.into_iden(),
                Sessions::Table.into_iden(),
                Users::Table.into_iden(),
                Organizations::Table.into_iden(),
            ],
        )
        .await
    }
}
