//! Purging `notification_sources`: a source is kept only while a request
//! with it can come again (an outbox event redelivered), so the event
//! outbox purges rows older than its retention, in batches.

use super::Notifications;
use crate::entity::source;
use async_trait::async_trait;
use p2p_kernel::DomainError;
use p2p_kernel::outbox::events::Retained;
use p2p_kernel::persistence::db_time;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::sync::Arc;
use time::OffsetDateTime;

impl Notifications {
    /// The notification sources, for the event outbox to purge
    /// (`EventOutbox::with_retained`).
    pub fn retained_sources(&self) -> Arc<dyn Retained> {
        Arc::new(Sources(self.clone()))
    }
}

struct Sources(Notifications);

#[async_trait]
impl Retained for Sources {
    fn name(&self) -> &'static str {
        "notification_sources"
    }

    async fn purge_before(&self, before: OffsetDateTime, batch: u64) -> Result<u64, DomainError> {
        let oldest = Query::select()
            .columns([source::Column::UserId, source::Column::Source])
            .from(source::Entity)
            .and_where(Expr::col(source::Column::CreatedAt).lt(db_time(before)))
            .limit(batch)
            .to_owned();
        let key = Expr::tuple([
            Expr::col(source::Column::UserId),
            Expr::col(source::Column::Source),
        ]);
        let res = source::Entity::delete_many()
            .filter(key.in_subquery(oldest))
            .filter(source::Column::CreatedAt.lt(db_time(before)))
            .exec(self.0.db())
            .await?;
        Ok(res.rows_affected)
    }
}
