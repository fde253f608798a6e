use crate::types::MemberView;
use async_trait::async_trait;
use p2p_kernel::ids::OrgId;
use p2p_kernel::{DomainError, Page, PageRequest};
use time::OffsetDateTime;

/// Who belongs to an organization. Implemented by the identity domain (which
/// owns the users) and wired into [`crate::OrgService`] by the server.
#[async_trait]
pub trait MemberDirectory: Send + Sync + 'static {
    /// The active members of `org`, oldest member first, in the stable order
    /// (joined_at, id).
    async fn list_members(
        &self,
        org: OrgId,
        page: &PageRequest,
    ) -> Result<Page<MemberView>, DomainError>;

    /// How many active members `org` has.
    async fn count_members(&self, org: OrgId) -> Result<u64, DomainError>;

    /// How many active members joined `org` at or after `since`.
    async fn count_members_since(
        &self,
        org: OrgId,
        since: OffsetDateTime,
    ) -> Result<u64, DomainError>;
}
