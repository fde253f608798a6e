//! The use-case domain: structured reports of how a company solved a
//! problem (industry, technology, problem, solution, outcomes, vendor, media,
//! location, tags), drafts visible inside their organization and published
//! ones platform-wide, revisions of published edits, filters with facet
//! counts, per-user daily view counting, and streamed CSV/JSON export.
//!
//! The HTTP shell calls [`UseCaseService`] (implemented by [`UseCases`]).
//! Use cases live behind the [`UseCaseStore`] port: [`MongoUseCaseStore`]
//! (full deployment) and [`SqlUseCaseStore`] (embedded). Media are files of
//! the files service attached with owner kind [`FILE_OWNER_KIND`].
//!
//! Events (channel `org:<organization_id>`, data: the [`UseCaseView`]):
//! `use_case.created`, `use_case.updated`, `use_case.published`, `use_case.deleted`;
//! `use_case.viewed` (data: `id`, `organization_id`) after a counted view.

mod api;
mod doc;
mod repo;
mod service;
mod store;
mod types;
mod validate;

pub use api::UseCaseService;
pub use doc::{Keys, UseCaseDoc};
pub use service::{
    EXPORT_BATCH, FILE_OWNER_KIND, USE_CASE_PUBLISHED, UseCaseParts, UseCaseTargets, UseCases,
};
pub use store::cached::{FACET_TTL, FacetCache};
pub use store::mongo::MongoUseCaseStore;
pub use store::sql::SqlUseCaseStore;
pub use store::{DAY_MICROS, ListQuery, Position, UseCaseStore};
pub use types::*;
pub use validate::{CAPTION, REQUEST_CONSTRAINTS};
