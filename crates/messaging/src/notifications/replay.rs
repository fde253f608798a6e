//! What replayed `notification.*` events carry: the notification now (a
//! grouped one with its latest count and read state, its title in its
//! user's language), for its user only.

use super::Notifications;
use crate::entity::notification;
use crate::notifications::list::notification_view;
use async_trait::async_trait;
use p2p_kernel::ports::{CurrentState, CurrentStates};
use p2p_kernel::{Actor, DomainError, Locale};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use uuid::Uuid;

/// The kind of `notification.created` and `notification.updated`.
pub const NOTIFICATION_KIND: &str = "notification";

#[async_trait]
impl CurrentStates for Notifications {
    async fn current_states(
        &self,
        viewer: &Actor,
        kind: &str,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, CurrentState>, DomainError> {
        if kind != NOTIFICATION_KIND || ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows = notification::Entity::find()
            .filter(notification::Column::Id.is_in(ids.iter().copied()))
            .filter(notification::Column::UserId.eq(viewer.user_id.0))
            .all(self.db())
            .await?;
        let mut states = HashMap::with_capacity(rows.len());
        let locale = match rows.is_empty() {
            true => Locale::default(),
            false => self.locale_of(viewer.user_id).await,
        };
        for row in rows {
            let id = row.id;
            if row.withheld {
                states.insert(id, CurrentState::Hidden);
                continue;
            }
            let view = serde_json::to_value(notification_view(row, locale)?)
                .map_err(DomainError::internal)?;
            states.insert(id, CurrentState::Visible(view));
        }
        Ok(states)
    }
}
