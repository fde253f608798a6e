use crate::types::PublicProfile;
use crate::views::public_profile;
use crate::{IdentityService, repo};
use p2p_kernel::ids::{OrgId, UserId};
use p2p_kernel::persistence::db_error;
use p2p_kernel::{Actor, DomainError};

impl IdentityService {
    /// Any user's public profile, for any signed-in caller (the platform is a
    /// cross-company network). The email is included only for callers of the
    /// same organization and platform operators. 404 for an unknown id.
    pub async fn get_user(&self, actor: &Actor, id: UserId) -> Result<PublicProfile, DomainError> {
        let user = repo::find(self.db(), id.0)
            .await
            .map_err(db_error)?
            .ok_or_else(|| DomainError::not_found("user"))?;
        let org_name = p2p_orgs::store::find(self.db(), OrgId(user.organization_id))
            .await
            .map_err(db_error)?
            .map(|o| o.name)
            .unwrap_or_default();
        let show_email = actor.is_superuser || actor.org_id.0 == user.organization_id;
        Ok(public_profile(&user, org_name, show_email))
    }
}
