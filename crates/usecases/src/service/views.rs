//! View counting: at most one view per user, use case and (UTC) day.

use super::UseCases;
use crate::repo::view;
use crate::types::UseCaseView;
use p2p_kernel::persistence::db_error;
use p2p_kernel::{Actor, DomainError, Event};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{OnConflict, Query};

impl UseCases {
    /// Records the view in the background: the `(use case, user, day)` row is
    /// inserted if absent (the primary key decides between concurrent
    /// requests), and only the request that inserted it increments the count
    /// (an atomic increment in the store, no read-modify-write) and announces
    /// `use_case.viewed` (data: `id`, `organization_id`; the search index
    /// re-reads the count from it).
    pub(crate) fn count_view_later(&self, actor: &Actor, view: &UseCaseView) {
        let service = self.clone();
        let (use_case, user, org) = (view.id.0, actor.user_id.0, view.organization_id);
        tokio::spawn(async move {
            match service.count_view(use_case, user).await {
                Ok(true) => {
                    let data = serde_json::json!({ "id": use_case, "organization_id": org });
                    let mut event = Event::new(format!("org:{org}"), "use_case.viewed", data);
                    event.occurred_at = service.now();
                    let _ = service.inner.events.publish(event).await;
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, %use_case, "view not counted"),
            }
        });
    }

    /// Counts a view now; true when it was the first of the day for this user.
    pub async fn count_view(
        &self,
        use_case: uuid::Uuid,
        user: uuid::Uuid,
    ) -> Result<bool, DomainError> {
        let day = self.now().date().to_string();
        let mut insert = Query::insert();
        insert
            .into_table(view::Entity)
            .columns([
                view::Column::UseCaseId,
                view::Column::UserId,
                view::Column::Day,
            ])
            .values([use_case.into(), user.into(), day.into()])
            .map_err(DomainError::internal)?
            .on_conflict(
                OnConflict::columns([
                    view::Column::UseCaseId,
                    view::Column::UserId,
                    view::Column::Day,
                ])
                .do_nothing()
                .to_owned(),
            );
        let first = self
            .inner
            .db
            .execute(&insert)
            .await
            .map_err(db_error)?
            .rows_affected()
            == 1;
        if first {
            self.inner.store.add_view(use_case).await?;
        }
        Ok(first)
    }
}
