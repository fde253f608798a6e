//! A person's own use cases, read from the store (the search index follows
//! it about a second later) and without counting views: their
//! personal-data export lists them.

use super::UseCases;
use crate::store::{ListQuery, Position};
use crate::types::{Status, UseCaseView};
use p2p_kernel::{Actor, DomainError, Page, PageRequest};

impl UseCases {
    /// The caller's use cases with `status` (drafts or published, hidden
    /// ones included), newest first.
    pub async fn own(
        &self,
        actor: &Actor,
        status: Status,
        request: PageRequest,
    ) -> Result<Page<UseCaseView>, DomainError> {
        let query = ListQuery::submitted_by(actor.user_id.0, status);
        let after: Option<Position> = request.position()?;
        let rows = self
            .inner
            .store
            .list(&query, after, request.fetch_limit())
            .await?;
        Ok(Page::from_rows(rows, &request, |d| query.position_of(d)).map(|d| d.view))
    }
}
