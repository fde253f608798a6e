//! The identity domain's directories: the organizations' [`MemberDirectory`]
//! and the kernel's [`UserDirectory`] (authors and mentions for content domains).

use crate::Identity;
use crate::entity::user::{Column, Entity};
use crate::pages::{UserFilter, users_page};
use crate::repo;
use crate::views::member_view;
use async_trait::async_trait;
use p2p_kernel::ids::{OrgId, UserId};
use p2p_kernel::persistence::{db_error, db_time};
use p2p_kernel::ports::{PortError, UserDirectory, UserSummary, handle_key};
use p2p_kernel::{DomainError, Locale, Page, PageRequest};
use p2p_orgs::{MemberDirectory, MemberView};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DerivePartialModel, EntityTrait, PaginatorTrait, QueryFilter,
};
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

/// Ids or handles looked up per query (keeps bind parameters well under the
/// backends' limits).
const CHUNK: usize = 500;

/// Lists, counts and summarizes users from the `users` table.
#[derive(Clone)]
pub struct IdentityMemberDirectory {
    db: DatabaseConnection,
}

impl IdentityMemberDirectory {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// The columns a [`UserSummary`] is made of: the authors of a page of
/// topics or posts are read without their password hashes, security stamps,
/// biographies and the rest of their rows.
#[derive(DerivePartialModel)]
#[sea_orm(entity = "Entity")]
struct SummaryRow {
    id: Uuid,
    organization_id: Uuid,
    email: String,
    first_name: String,
    last_name: String,
    handle: String,
    job_title: Option<String>,
    avatar_url: Option<String>,
    is_active: bool,
}

fn summary(u: SummaryRow) -> UserSummary {
    let erased = crate::views::is_erased_email(&u.email);
    UserSummary {
        id: UserId(u.id),
        display_name: format!("{} {}", u.first_name, u.last_name)
            .trim()
            .to_owned(),
        handle: u.handle,
        organization_id: OrgId(u.organization_id),
        job_title: u.job_title,
        avatar_url: u.avatar_url,
        is_active: u.is_active,
        erased,
    }
}

fn port_err(e: sea_orm::DbErr) -> PortError {
    PortError::new("database", e)
}

#[async_trait]
impl MemberDirectory for IdentityMemberDirectory {
    async fn list_members(
        &self,
        org: OrgId,
        page: &PageRequest,
    ) -> Result<Page<MemberView>, DomainError> {
        let filter = UserFilter {
            org: org.0,
            active_only: true,
            q: None,
        };
        Ok(users_page(&self.db, filter, page)
            .await?
            .map(|u| member_view(&u)))
    }

    async fn count_members(&self, org: OrgId) -> Result<u64, DomainError> {
        repo::count_active(&self.db, org.0).await.map_err(db_error)
    }

    async fn count_members_since(
        &self,
        org: OrgId,
        since: OffsetDateTime,
    ) -> Result<u64, DomainError> {
        Entity::find()
            .filter(Column::OrganizationId.eq(org.0))
            .filter(Column::IsActive.eq(true))
            .filter(Column::CreatedAt.gte(db_time(since)))
            .count(&self.db)
            .await
            .map_err(db_error)
    }
}

#[async_trait]
impl UserDirectory for IdentityMemberDirectory {
    /// Deactivated users are included (flagged): their content stays.
    async fn summaries(&self, ids: &[UserId]) -> Result<Vec<UserSummary>, PortError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let rows = Entity::find()
                .filter(Column::Id.is_in(chunk.iter().map(|id| id.0)))
                .into_partial_model::<SummaryRow>()
                .all(&self.db)
                .await
                .map_err(port_err)?;
            out.extend(rows.into_iter().map(summary));
        }
        Ok(out)
    }

    async fn find_by_handles(&self, handles: &[String]) -> Result<Vec<UserSummary>, PortError> {
        let mut out = Vec::new();
        for chunk in handles.chunks(CHUNK) {
            let rows = Entity::find()
                .filter(Column::HandleKey.is_in(chunk.iter().map(|h| handle_key(h))))
                .filter(Column::IsActive.eq(true))
                .into_partial_model::<SummaryRow>()
                .all(&self.db)
                .await
                .map_err(port_err)?;
            out.extend(rows.into_iter().map(summary));
        }
        Ok(out)
    }
}

impl Identity {
    /// The member directory to give to [`p2p_orgs::OrgService::new`].
    pub fn member_directory(&self) -> Arc<dyn MemberDirectory> {
        Arc::new(IdentityMemberDirectory::new(self.db().clone()))
    }

    /// The user directory for content domains (authors, mentions).
    pub fn user_directory(&self) -> Arc<dyn UserDirectory> {
        Arc::new(IdentityMemberDirectory::new(self.db().clone()))
    }
}

impl IdentityMemberDirectory {
    /// Email addresses and languages of the given active users (others are left out).
    pub async fn contact_emails(
        &self,
        ids: &[UserId],
    ) -> Result<Vec<(UserId, String, Locale)>, PortError> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let rows = Entity::find()
                .filter(Column::Id.is_in(chunk.iter().map(|id| id.0)))
                .filter(Column::IsActive.eq(true))
                .all(&self.db)
                .await
                .map_err(port_err)?;
            out.extend(
                rows.into_iter()
                    .map(|u| (UserId(u.id), u.email, crate::emails::locale_of(&u.locale))),
            );
        }
        Ok(out)
    }

    /// Ids of the active platform superusers (they moderate everything).
    pub async fn active_superuser_ids(&self) -> Result<Vec<UserId>, PortError> {
        self.active_ids(Column::IsSuperuser.eq(true)).await
    }

    /// Ids of the active members of an organization.
    pub async fn active_member_ids(&self, org: OrgId) -> Result<Vec<UserId>, PortError> {
        self.active_ids(Column::OrganizationId.eq(org.0)).await
    }

    /// Ids of the active users matching `filter`.
    async fn active_ids(
        &self,
        filter: sea_orm::sea_query::SimpleExpr,
    ) -> Result<Vec<UserId>, PortError> {
        use sea_orm::QuerySelect;
        let ids: Vec<uuid::Uuid> = Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(filter)
            .filter(Column::IsActive.eq(true))
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(port_err)?;
        Ok(ids.into_iter().map(UserId).collect())
    }
}
