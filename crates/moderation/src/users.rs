//! Users as report targets: described by the user directory; a report about
//! a user can only be dismissed (accounts are deactivated by their
//! organization's admins through the users API).

use async_trait::async_trait;
use p2p_kernel::FieldCode;
use p2p_kernel::ids::UserId;
use p2p_kernel::ports::{ModerationTarget, TargetInfo, UserDirectory};
use p2p_kernel::{Actor, DomainError};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// [`ModerationTarget`] for `user`.
pub struct UserTargets(pub Arc<dyn UserDirectory>);

#[async_trait]
impl ModerationTarget for UserTargets {
    /// One directory lookup whatever the number.
    async fn describe_many(
        &self,
        _viewer: &Actor,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, TargetInfo>, DomainError> {
        let ids: Vec<UserId> = ids.iter().copied().map(UserId).collect();
        let found = self.0.summaries(&ids).await?;
        Ok(found
            .into_iter()
            .map(|u| {
                let info = TargetInfo {
                    author_id: u.id,
                    organization_id: u.organization_id,
                    summary: u.display_name,
                    hidden: false,
                    recipient_id: None,
                };
                (u.id.0, info)
            })
            .collect())
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
