//! Domain claims: several organizations may share an email domain until one
//! of them claims it (its admin verified an address there).
//! `organizations.claimed_domain` holds the claimed domain under the unique
//! index `ux_organizations_claimed_domain`; `domain` loses its unique index
//! (`ix_organizations_domain` instead).
//!
//! Existing organizations keep their domain when one of their admins has a
//! verified email; the others become unclaimed. (A public provider's domain
//! copied here is never honoured as a claim: the application ignores it.)

use crate::tables;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::string_len_null;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    ClaimedDomain,
    Domain,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    OrganizationId,
    Role,
    EmailVerifiedAt,
}

const OLD_UNIQUE: &str = "ux_organizations_domain";
const BY_DOMAIN: &str = "ix_organizations_domain";
const CLAIMED: &str = "ux_organizations_claimed_domain";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = string_len_null(Organizations::ClaimedDomain, 253);
        tables::add_column(manager, Organizations::Table, column).await?;
        let verified_admin = Query::select()
            .expr(Expr::val(1))
            .from(Users::Table)
            .and_where(
                Expr::col((Users::Table, Users::OrganizationId))
                    .equals((Organizations::Table, Organizations::Id)),
            )
            .and_where(Expr::col((Users::Table, Users::Role)).eq("admin"))
            .and_where(Expr::col((Users::Table, Users::EmailVerifiedAt)).is_not_null())
            .to_owned();
        let claim = Query::update()
            .table(Organizations::Table)
            .value(
                Organizations::ClaimedDomain,
                Expr::col((Organizations::Table, Organizations::Domain)),
            )
            .and_where(Expr::exists(verified_admin))
            .to_owned();
        manager.exec_stmt(claim).await?;
        tables::drop_index(manager, Organizations::Table, OLD_UNIQUE).await?;
        let by_domain = tables::index(BY_DOMAIN, Organizations::Table, [Organizations::Domain]);
        manager.create_index(by_domain).await?;
        let claimed = tables::index(
            CLAIMED,
            Organizations::Table,
            [Organizations::ClaimedDomain],
        )
        .unique()
        .to_owned();
        manager.create_index(claimed).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        tables::drop_index(manager, Organizations::Table, CLAIMED).await?;
        tables::drop_index(manager, Organizations::Table, BY_DOMAIN).await?;
        let unique = tables::index(OLD_UNIQUE, Organizations::Table, [Organizations::Domain])
            .unique()
            .to_owned();
        manager.create_index(unique).await?;
        tables::drop_column(manager, Organizations::Table, Organizations::ClaimedDomain).await
    }
}
