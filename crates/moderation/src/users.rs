//! Users as report targets: described by the user directory; a report about
//! a user can only be dismissed (accounts are deactivated by their
//! organization's admins through the users API).

use async_trait::async_trait;
use p2p_kernel::FieldCode;
use p2p_kernel::ids::UserId;
use p2p_kernel::ports::{ModerationTarget, TargetInfo, UserDirectory};
use p2p_kernel::{Actor, DomainError};
use std::sync::Arc;
use uuid::Uuid;

/// [`ModerationTarget`] for `user`.
pub struct UserTargets(pub Arc<dyn UserDirectory>);

#[async_trait]
impl ModerationTarget for UserTargets {
    async fn describe(&self, _viewer: &Actor, id: Uuid) -> Result<Option<TargetInfo>, DomainError> {
        let found = self.0.summaries(&[UserId(id)]).await?;
        Ok(found.into_iter().next().map(|u| TargetInfo {
            author_id: u.id,
            organization_id: u.organization_id,
            summary: u.display_name,
            hidden: false,
            recipient_id: None,
        }))
    }

    async fn set_hidden(&self, _by: &Actor, _id: Uuid, _hidden: bool) -> Result<(), DomainError> {
        Err(not_for_users())
    }

    async fn delete(&self, _by: &Actor, _id: Uuid) -> Result<(), DomainError> {
        Err(not_for_users())
    }
}

fn not_for_users() -> DomainError {
    DomainError::invalid_field(
        "action",
        FieldCode::NotSupported,
        "a report about a user can only be dismissed; deactivate the account instead",
    )
}
