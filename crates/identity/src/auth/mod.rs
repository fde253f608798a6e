//! Sign-up, sign-in, tokens and sessions, verification, reset, invitations' acceptance.

mod accept;
mod authenticate;
mod login;
mod refresh;
mod reset;
mod sessions;
mod signup;
mod superuser;
mod throttle;
mod verify;

pub(crate) use refresh::revoke_all_sessions;

use crate::Identity;
use p2p_kernel::DomainError;
use p2p_kernel::ids::OrgId;
use p2p_kernel::persistence::db_error;
use p2p_orgs::OrganizationView;
use sea_orm::ConnectionTrait;

impl Identity {
    /// The organization view of `org` (for auth responses).
    pub(crate) async fn org_view(
        &self,
        conn: &impl ConnectionTrait,
        org: OrgId,
    ) -> Result<OrganizationView, DomainError> {
        let record = self
            .inner
            .orgs
            .find(org)
            .await?
            .ok_or_else(|| DomainError::not_found("organization"))?;
        let members = crate::repo::count_active(conn, org.0)
            .await
            .map_err(db_error)?;
        Ok(OrganizationView::from_record(record, members))
    }
}
