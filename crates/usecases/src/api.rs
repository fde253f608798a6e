//! [`UseCaseService`]: what the HTTP shell (and the search indexer) may call,
//! implemented by [`UseCases`]. The server holds it as `Arc<dyn UseCaseService>`.

use crate::service::UseCases;
use crate::store::UseCaseStore;
use crate::types::{
    ExportFormat, NewUseCase, Status, UseCaseFilter, UseCaseList, UseCasePatch, UseCaseRevision,
    UseCaseView,
};
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::BoxStream;
use p2p_kernel::ids::{OrgId, UseCaseId};
use p2p_kernel::ports::FileUpload;
use p2p_kernel::{Actor, DayCount, DomainError, Page, PageRequest};
use std::io;
use std::sync::Arc;
use time::Date;

/// The use-case domain as the HTTP shell sees it. Every call that serves a
/// request takes the calling [`Actor`]: drafts are visible inside their
/// organization only, published use cases to every signed-in user.
#[async_trait]
pub trait UseCaseService: Send + Sync {
    /// Published use cases (or my organization's drafts) with filters and facet counts.
    async fn list(
        &self,
        actor: &Actor,
        filter: UseCaseFilter,
        page: PageRequest,
    ) -> Result<UseCaseList, DomainError>;

    /// Creates a draft in the actor's organization.
    async fn create(&self, actor: &Actor, input: NewUseCase) -> Result<UseCaseView, DomainError>;

    /// A visible use case; counts the actor's view once a day.
    async fn get(&self, actor: &Actor, id: UseCaseId) -> Result<UseCaseView, DomainError>;

    /// Edits a use case (submitter or an admin of its organization).
    async fn update(
        &self,
        actor: &Actor,
        id: UseCaseId,
        patch: UseCasePatch,
    ) -> Result<UseCaseView, DomainError>;

    /// Publishes a draft.
    async fn publish(&self, actor: &Actor, id: UseCaseId) -> Result<UseCaseView, DomainError>;

    /// Deletes a use case and releases its media.
    async fn delete(&self, actor: &Actor, id: UseCaseId) -> Result<(), DomainError>;

    /// The caller's own use cases with `status` (hidden ones included),
    /// newest first, read from the store at once and without counting a
    /// view: their personal-data export.
    async fn own(
        &self,
        actor: &Actor,
        status: Status,
        page: PageRequest,
    ) -> Result<Page<UseCaseView>, DomainError>;

    /// The revisions of a published use case, newest first.
    async fn revisions(
        &self,
        actor: &Actor,
        id: UseCaseId,
    ) -> Result<Vec<UseCaseRevision>, DomainError>;

    /// Stores an uploaded image or video and attaches it to the use case.
    async fn add_media(
        &self,
        actor: &Actor,
        id: UseCaseId,
        caption: Option<String>,
        upload: FileUpload,
    ) -> Result<UseCaseView, DomainError>;

    /// Every use case of the list with these filters, as CSV or JSON bytes.
    fn export(
        &self,
        actor: &Actor,
        filter: UseCaseFilter,
        format: ExportFormat,
    ) -> BoxStream<'static, Result<Bytes, io::Error>>;

    /// How many use cases the organization has (drafts included, hidden ones not).
    async fn org_count(&self, org: OrgId) -> Result<u64, DomainError>;

    /// Use cases of the organization (hidden ones left out) published per
    /// UTC day from `since` on, oldest first.
    async fn published_per_day(
        &self,
        org: OrgId,
        since: Date,
    ) -> Result<Vec<DayCount>, DomainError>;

    /// The store itself, read without counting views (the search indexer,
    /// bulk seeding in benchmarks).
    fn store(&self) -> &Arc<dyn UseCaseStore>;
}

#[async_trait]
impl UseCaseService for UseCases {
    async fn list(
        &self,
        actor: &Actor,
        filter: UseCaseFilter,
        page: PageRequest,
    ) -> Result<UseCaseList, DomainError> {
        UseCases::list(self, actor, filter, page).await
    }

    async fn create(&self, actor: &Actor, input: NewUseCase) -> Result<UseCaseView, DomainError> {
        UseCases::create(self, actor, input).await
    }

    async fn get(&self, actor: &Actor, id: UseCaseId) -> Result<UseCaseView, DomainError> {
        UseCases::get(self, actor, id).await
    }

    async fn update(
        &self,
        actor: &Actor,
        id: UseCaseId,
        patch: UseCasePatch,
    ) -> Result<UseCaseView, DomainError> {
        UseCases::update(self, actor, id, patch).await
    }

    async fn publish(&self, actor: &Actor, id: UseCaseId) -> Result<UseCaseView, DomainError> {
        UseCases::publish(self, actor, id).await
    }

    async fn delete(&self, actor: &Actor, id: UseCaseId) -> Result<(), DomainError> {
        UseCases::delete(self, actor, id).await
    }

    async fn own(
        &self,
        actor: &Actor,
        status: Status,
        page: PageRequest,
    ) -> Result<Page<UseCaseView>, DomainError> {
        UseCases::own(self, actor, status, page).await
    }

    async fn revisions(
        &self,
        actor: &Actor,
        id: UseCaseId,
    ) -> Result<Vec<UseCaseRevision>, DomainError> {
        UseCases::revisions(self, actor, id).await
    }

    async fn add_media(
        &self,
        actor: &Actor,
        id: UseCaseId,
        caption: Option<String>,
        upload: FileUpload,
    ) -> Result<UseCaseView, DomainError> {
        UseCases::add_media(self, actor, id, caption, upload).await
    }

    fn export(
        &self,
        actor: &Actor,
        filter: UseCaseFilter,
        format: ExportFormat,
    ) -> BoxStream<'static, Result<Bytes, io::Error>> {
        UseCases::export(self, actor, filter, format)
    }

    async fn org_count(&self, org: OrgId) -> Result<u64, DomainError> {
        UseCases::org_count(self, org).await
    }

    async fn published_per_day(
        &self,
        org: OrgId,
        since: Date,
    ) -> Result<Vec<DayCount>, DomainError> {
        UseCases::published_per_day(self, org, since).await
    }

    fn store(&self) -> &Arc<dyn UseCaseStore> {
        UseCases::store(self)
    }
}
