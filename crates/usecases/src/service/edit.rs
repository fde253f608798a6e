//! Create, read, edit, publish, delete, revisions.

use super::UseCases;
use super::effects::USE_CASE_PUBLISHED;
use crate::doc::UseCaseDoc;
use crate::repo::revision;
use crate::types::{NewUseCase, Status, UseCasePatch, UseCaseRevision, UseCaseView};
use crate::validate::{self, Content};
use p2p_kernel::Code;
use p2p_kernel::ids::UseCaseId;
use p2p_kernel::persistence::db_error;
use p2p_kernel::ports::{AuditAction, AuditEvent};
use p2p_kernel::{Actor, DomainError};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

fn apply(view: &mut UseCaseView, content: Content) {
    view.title = content.title;
    view.industry = content.industry;
    view.technology = content.technology;
    view.problem_statement = content.problem_statement;
    view.solution = content.solution;
    view.outcomes = content.outcomes;
    view.vendor_info = content.vendor_info;
    view.location = content.location;
    view.tags = content.tags;
}

fn content_of(view: &UseCaseView) -> Content {
    Content {
        title: view.title.clone(),
        industry: view.industry.clone(),
        technology: view.technology.clone(),
        problem_statement: view.problem_statement.clone(),
        solution: view.solution.clone(),
        outcomes: view.outcomes.clone(),
        vendor_info: view.vendor_info.clone(),
        location: view.location.clone(),
        tags: view.tags.clone(),
    }
}

impl UseCases {
    /// Creates a draft in the caller's organization, with media uploaded beforehand.
    pub async fn create(
        &self,
        actor: &Actor,
        input: NewUseCase,
    ) -> Result<UseCaseView, DomainError> {
        let content = Content::from_new(&input).validate(&self.inner.markdown)?;
        let media_refs = validate::media(&input.media)?;
        let id = UseCaseId::new();
        let media = self.attach_media(actor, id, &media_refs, &[]).await?;
        let now = self.now();
        let mut view = UseCaseView {
            id,
            title: String::new(),
            industry: String::new(),
            technology: Vec::new(),
            problem_statement: String::new(),
            solution: String::new(),
            outcomes: Default::default(),
            vendor_info: Default::default(),
            media,
            location: None,
            tags: Vec::new(),
            status: Status::Draft,
            submitted_by: actor.user_id,
            organization_id: actor.org_id,
            view_count: 0,
            revision_count: 0,
            created_at: now,
            updated_at: now,
            published_at: None,
            hidden: false,
        };
        apply(&mut view, content);
        if let Err(e) = self
            .inner
            .store
            .insert(&UseCaseDoc::new(view.clone()))
            .await
        {
            self.release_files(id).await;
            return Err(e);
        }
        self.publish_event("use_case.created", &view).await;
        Ok(view)
    }

    /// A use case the caller may see; counts the caller's view (at most once a
    /// day, in the background: the answer never waits for it).
    pub async fn get(&self, actor: &Actor, id: UseCaseId) -> Result<UseCaseView, DomainError> {
        let doc = self.visible(actor, id.0).await?;
        self.count_view_later(actor, &doc.view);
        Ok(doc.view)
    }

    /// Edits a use case; a published one keeps its previous version as a revision.
    pub async fn update(
        &self,
        actor: &Actor,
        id: UseCaseId,
        patch: UseCasePatch,
    ) -> Result<UseCaseView, DomainError> {
        let doc = self.editable(actor, id).await?;
        let before = doc.view.clone();
        let content = content_of(&before)
            .patched(&patch)
            .validate(&self.inner.markdown)?;
        let mut view = before.clone();
        if let Some(refs) = &patch.media {
            let refs = validate::media(refs)?;
            view.media = self.attach_media(actor, id, &refs, &before.media).await?;
        }
        apply(&mut view, content);
        view.updated_at = self.now();
        if before.status == Status::Published {
            self.record_revision(actor, &before).await?;
            view.revision_count += 1;
        }
        if !self.store_view(&view).await? {
            return Err(DomainError::not_found("use case"));
        }
        self.detach_dropped(id, &before.media, &view.media).await;
        self.publish_event("use_case.updated", &view).await;
        Ok(view)
    }

    /// Draft → published; the organization's members are notified.
    pub async fn publish(&self, actor: &Actor, id: UseCaseId) -> Result<UseCaseView, DomainError> {
        let doc = self.editable(actor, id).await?;
        if doc.is_published() {
            return Err(DomainError::conflict(
                Code::AlreadyPublished,
                "the use case is already published",
            ));
        }
        let mut view = doc.view;
        let now = self.now();
        view.status = Status::Published;
        view.published_at = Some(now);
        view.updated_at = now;
        match &self.inner.outbox {
            Some(link) => {
                if !self.store_published(&view, actor.user_id).await? {
                    return Err(DomainError::not_found("use case"));
                }
                link.wake.notify_one();
                // Live at once; if this fails, the outbox handler publishes it.
                if let Ok(event) = Self::published_event(&view) {
                    let _ = link.fanout.publish(event).await;
                }
            }
            None => {
                if !self.store_view(&view).await? {
                    return Err(DomainError::not_found("use case"));
                }
                self.publish_event(USE_CASE_PUBLISHED, &view).await;
                if let Some(notifier) = &self.inner.notifier {
                    let request = Self::published_notification(&view, actor.user_id);
                    notifier.notify(vec![request]).await;
                }
            }
        }
        Ok(view)
    }

    /// Deletes a use case; its media files are deleted by the files sweeper.
    pub async fn delete(&self, actor: &Actor, id: UseCaseId) -> Result<(), DomainError> {
        let doc = self.editable(actor, id).await?;
        if !self.inner.store.delete(id.0).await? {
            return Err(DomainError::not_found("use case"));
        }
        self.release_files(id).await;
        self.publish_event("use_case.deleted", &doc.view).await;
        let v = &doc.view;
        match &self.inner.audit {
            Some(audit) if v.submitted_by != actor.user_id => {
                let action = AuditAction::ContentDeletedByAdmin;
                let event =
                    AuditEvent::new(v.organization_id, actor.user_id, action, "use_case", id)
                        .details(json!({ "title": v.title }));
                audit.record(event).await
            }
            _ => Ok(()),
        }
    }

    /// The previous versions of a use case, newest first.
    pub async fn revisions(
        &self,
        actor: &Actor,
        id: UseCaseId,
    ) -> Result<Vec<UseCaseRevision>, DomainError> {
        self.visible(actor, id.0).await?;
        let rows = revision::Entity::find()
            .filter(revision::Column::UseCaseId.eq(id.0))
            .order_by_desc(revision::Column::EditedAt)
            .all(&self.inner.db)
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|r| {
                let before: UseCaseView = serde_json::from_value(r.doc)
                    .map_err(|e| DomainError::corrupt("use case revision", e))?;
                Ok(UseCaseRevision {
                    edited_by: r.edited_by.into(),
                    edited_at: r.edited_at,
                    before,
                })
            })
            .collect()
    }

    async fn record_revision(
        &self,
        actor: &Actor,
        before: &UseCaseView,
    ) -> Result<(), DomainError> {
        revision::ActiveModel {
            id: Set(Uuid::now_v7()),
            use_case_id: Set(before.id.0),
            edited_by: Set(actor.user_id.0),
            doc: Set(serde_json::to_value(before).map_err(DomainError::internal)?),
            edited_at: Set(self.now()),
        }
        .insert(&self.inner.db)
        .await
        .map_err(db_error)?;
        Ok(())
    }
}
