//! Profiles, members, invitations and admin changes.

mod admin;
mod erase;
mod invitations;
mod invite;
mod me;
mod members;
mod profile;

pub(crate) use erase::ERASED_DOMAIN;
pub(crate) use invite::Sender;

use crate::entity::user;
use crate::{Identity, errors, repo};
use p2p_kernel::persistence::db_error;
use p2p_kernel::{Actor, DomainError};

impl Identity {
    /// The caller's row; 401 if the account vanished or was deactivated.
    pub(crate) async fn current_user(&self, actor: &Actor) -> Result<user::Model, DomainError> {
        repo::find(self.db(), actor.user_id.0)
            .await
            .map_err(db_error)?
            .filter(|u| u.is_active)
            .ok_or_else(errors::unauthenticated)
    }
}

/// Who may manage `target`: a superuser, or an admin of the target's
/// organization. People of other organizations are "not found" (their
/// existence is not confirmed); a member of the same organization gets 403.
pub(crate) fn authorize_manage(actor: &Actor, target: &user::Model) -> Result<(), DomainError> {
    if actor.is_superuser {
        return Ok(());
    }
    if actor.org_id.0 != target.organization_id {
        return Err(DomainError::not_found("user"));
    }
    actor.require_org_admin(actor.org_id)
}
