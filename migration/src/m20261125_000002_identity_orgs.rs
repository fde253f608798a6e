//! Organizations and identity: users, sessions, refresh tokens, one-time tokens
//! (email verification, password reset) and invitations.
//!
//! Unique indexes back the business rules that concurrent requests could
//! otherwise break: one organization per email domain, one account per email,
//! one invitation per organization and email, and token hashes.

use sea_orm_migration::prelude::*;

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

fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn ts_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn text_null(col: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).null().to_owned()
}

fn organizations() -> TableCreateStatement {
    Table::create()
        .table(Organizations::Table)
        .col(
            ColumnDef::new(Organizations::Id)
                .uuid()
                .not_null()
                .primary_key(),
        )
        .col(
            ColumnDef::new(Organizations::Name)
                .string_len(200)
                .not_null(),
        )
        .col(
            ColumnDef::new(Organizations::Domain)
                .string_len(253)
                .not_null(),
        )
        .col(text_null(Organizations::Industry, 100))
        .col(text_null(Organizations::Size, 50))
        .col(text_null(Organizations::Country, 100))
        .col(text_null(Organizations::City, 100))
        .col(ColumnDef::new(Organizations::Description).text().null())
        .col(text_null(Organizations::Website, 2048))
        .col(text_null(Organizations::LogoUrl, 2048))
        .col(
            ColumnDef::new(Organizations::IsActive)
                .boolean()
                .not_null()
                .default(true),
        )
        .col(ts(Organizations::CreatedAt))
        .col(ts(Organizations::UpdatedAt))
        .to_owned()
}

fn users() -> TableCreateStatement {
    Table::create()
        .table(Users::Table)
        .col(ColumnDef::new(Users::Id).uuid().not_null().primary_key())
        .col(ColumnDef::new(Users::OrganizationId).uuid().not_null())
        .col(ColumnDef::new(Users::Email).string_len(254).not_null())
        .col(
            ColumnDef::new(Users::PasswordHash)
                .string_len(255)
                .not_null(),
        )
        .col(ColumnDef::new(Users::FirstName).string_len(100).not_null())
        .col(ColumnDef::new(Users::LastName).string_len(100).not_null())
        .col(ColumnDef::new(Users::Handle).string_len(255).not_null())
        .col(text_null(Users::JobTitle, 100))
        .col(ColumnDef::new(Users::Bio).text().null())
        .col(text_null(Users::Phone, 32))
        .col(text_null(Users::AvatarUrl, 2048))
        .col(ColumnDef::new(Users::AvatarFileId).uuid().null())
        .col(ColumnDef::new(Users::Role).string_len(16).not_null())
        .col(
            ColumnDef::new(Users::IsSuperuser)
                .boolean()
                .not_null()
                .default(false),
        )
        .col(
            ColumnDef::new(Users::IsActive)
                .boolean()
                .not_null()
                .default(true),
        )
        .col(ts_null(Users::EmailVerifiedAt))
        .col(
            ColumnDef::new(Users::SecurityStamp)
                .string_len(64)
                .not_null(),
        )
        .col(ts(Users::CreatedAt))
        .col(ts(Users::UpdatedAt))
        .col(ts_null(Users::LastLoginAt))
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
        .col(ColumnDef::new(Sessions::Id).uuid().not_null().primary_key())
        .col(ColumnDef::new(Sessions::UserId).uuid().not_null())
        .col(text_null(Sessions::UserAgent, 512))
        .col(text_null(Sessions::Ip, 64))
        .col(ts(Sessions::CreatedAt))
        .col(ts(Sessions::LastSeenAt))
        .col(ts(Sessions::ExpiresAt))
        .col(ts_null(Sessions::RevokedAt))
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
        .col(
            ColumnDef::new(RefreshTokens::Id)
                .uuid()
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new(RefreshTokens::SessionId).uuid().not_null())
        .col(
            ColumnDef::new(RefreshTokens::TokenHash)
                .string_len(64)
                .not_null(),
        )
        .col(ts(RefreshTokens::CreatedAt))
        .col(ts(RefreshTokens::ExpiresAt))
        .col(ts_null(RefreshTokens::UsedAt))
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
        .col(
            ColumnDef::new(OneTimeTokens::Id)
                .uuid()
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new(OneTimeTokens::UserId).uuid().not_null())
        .col(
            ColumnDef::new(OneTimeTokens::Purpose)
                .string_len(32)
                .not_null(),
        )
        .col(
            ColumnDef::new(OneTimeTokens::TokenHash)
                .string_len(64)
                .not_null(),
        )
        .col(ts(OneTimeTokens::CreatedAt))
        .col(ts(OneTimeTokens::ExpiresAt))
        .col(ts_null(OneTimeTokens::UsedAt))
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
        .col(
            ColumnDef::new(Invitations::Id)
                .uuid()
                .not_null()
                .primary_key(),
        )
        .col(
            ColumnDef::new(Invitations::OrganizationId)
                .uuid()
                .not_null(),
        )
        .col(
            ColumnDef::new(Invitations::Email)
                .string_len(254)
                .not_null(),
        )
        .col(ColumnDef::new(Invitations::Role).string_len(16).not_null())
        .col(
            ColumnDef::new(Invitations::TokenHash)
                .string_len(64)
                .not_null(),
        )
        .col(ColumnDef::new(Invitations::InvitedBy).uuid().null())
        .col(ts(Invitations::CreatedAt))
        .col(ts(Invitations::ExpiresAt))
        .col(ts_null(Invitations::AcceptedAt))
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
        Index::create()
            .name("ix_users_org_created")
            .table(Users::Table)
            .col(Users::OrganizationId)
            .col(Users::CreatedAt)
            .col(Users::Id)
            .to_owned(),
        Index::create()
            .name("ix_users_handle")
            .table(Users::Table)
            .col(Users::Handle)
            .to_owned(),
        Index::create()
            .name("ix_sessions_user")
            .table(Sessions::Table)
            .col(Sessions::UserId)
            .to_owned(),
        Index::create()
            .name("ux_refresh_tokens_hash")
            .table(RefreshTokens::Table)
            .col(RefreshTokens::TokenHash)
            .unique()
            .to_owned(),
        Index::create()
            .name("ix_refresh_tokens_session")
            .table(RefreshTokens::Table)
            .col(RefreshTokens::SessionId)
            .to_owned(),
        Index::create()
            .name("ux_one_time_tokens_hash")
            .table(OneTimeTokens::Table)
            .col(OneTimeTokens::TokenHash)
            .unique()
            .to_owned(),
        Index::create()
            .name("ix_one_time_tokens_user")
            .table(OneTimeTokens::Table)
            .col(OneTimeTokens::UserId)
            .col(OneTimeTokens::Purpose)
            .to_owned(),
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
        for table in [
            organizations(),
            users(),
            sessions(),
            refresh_tokens(),
            one_time_tokens(),
            invitations(),
        ] {
            manager.create_table(table).await?;
        }
        for index in indexes() {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Invitations::Table.into_iden(),
            OneTimeTokens::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
            Organizations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
