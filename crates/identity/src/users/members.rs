use crate::IdentityService;
use crate::pages::{UserFilter, users_page};
use crate::types::UserProfile;
use crate::views::profile;
use p2p_kernel::{Actor, DomainError, Page, PageRequest};

impl IdentityService {
    /// Every account of the caller's organization, deactivated ones included,
    /// oldest first (stable by created_at, id); `q` filters on a
    /// case-insensitive substring of first name, last name or email. Admins
    /// only (403 otherwise).
    pub async fn list_members(
        &self,
        actor: &Actor,
        page: PageRequest,
        q: Option<String>,
    ) -> Result<Page<UserProfile>, DomainError> {
        actor.require_org_admin(actor.org_id)?;
        let filter = UserFilter {
            org: actor.org_id.0,
            active_only: false,
            q: q.as_deref(),
        };
        Ok(users_page(self.db(), filter, &page)
            .await?
            .map(|u| profile(&u)))
    }
}
