//! Use cases as report targets (the kernel's moderation port): described,
//! hidden and shown again, deleted by moderators.

use super::{UseCases, may_see};
use async_trait::async_trait;
use p2p_kernel::ids::UseCaseId;
use p2p_kernel::ports::{ModerationTarget, TargetInfo};
use p2p_kernel::{Actor, DomainError};
use std::collections::HashMap;
use uuid::Uuid;

/// [`ModerationTarget`] for `use_case`.
pub struct UseCaseTargets(pub UseCases);

#[async_trait]
impl ModerationTarget for UseCaseTargets {
    /// One query whatever the number.
    async fn describe_many(
        &self,
        viewer: &Actor,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, TargetInfo>, DomainError> {
        let docs = self.0.inner.store.get_many(ids).await?;
        Ok(docs
            .into_iter()
            .map(|doc| doc.view)
            .filter(|v| viewer.is_system() || may_see(viewer, v))
            .map(|v| {
                let info = TargetInfo {
                    author_id: v.submitted_by,
                    organization_id: v.organization_id,
                    summary: v.title.clone(),
                    hidden: v.hidden,
                    recipient_id: None,
                };
                (v.id.0, info)
            })
            .collect())
    }

    /// Announces `use_case.hidden` or `use_case.unhidden` (the search index
    /// and dashboards drop or take it back).
    async fn set_hidden(&self, by: &Actor, id: Uuid, hidden: bool) -> Result<(), DomainError> {
        let Some(mut doc) = self.0.inner.store.get(id).await? else {
            return Err(DomainError::not_found("use case"));
        };
        by.require_org_admin(doc.view.organization_id)?;
        if doc.view.hidden == hidden {
            return Ok(());
        }
        doc.view.hidden = hidden;
        if !self.0.inner.store.replace(&doc).await? {
            return Err(DomainError::not_found("use case"));
        }
        let name = if hidden {
            "use_case.hidden"
        } else {
            "use_case.unhidden"
        };
        self.0.publish_event(name, &doc.view).await;
        Ok(())
    }

    async fn delete(&self, by: &Actor, id: Uuid) -> Result<(), DomainError> {
        self.0.delete(by, UseCaseId(id)).await
    }
}
