use crate::Identity;
use crate::pages::{UserFilter, users_page};
use crate::types::UserProfile;
use crate::views::profile;
use p2p_kernel::{Actor, DomainError, Page, PageRequest};

impl Identity {
    pub(crate) async fn list_members(
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
