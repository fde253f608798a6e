//! Email preferences per notification kind (email on unless turned off).

use super::Notifications;
use crate::entity::preference;
use crate::types::NotificationPreferences;
use p2p_kernel::ports::NotificationKind;
use p2p_kernel::{Actor, DomainError};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use std::collections::BTreeMap;

impl Notifications {
    /// The caller's email preference for every kind.
    pub async fn preferences(&self, actor: &Actor) -> Result<NotificationPreferences, DomainError> {
        let mut email: BTreeMap<NotificationKind, bool> = NotificationKind::ALL
            .into_iter()
            .map(|k| (k, true))
            .collect();
        let rows = preference::Entity::find()
            .filter(preference::Column::UserId.eq(actor.user_id.0))
            .all(self.db())
            .await?;
        for row in rows {
            if let Ok(kind) = row.kind.parse::<NotificationKind>() {
                email.insert(kind, row.email);
            }
        }
        Ok(NotificationPreferences { email })
    }

    /// Changes the kinds given (the others stay as they are); returns them all.
    pub async fn set_preferences(
        &self,
        actor: &Actor,
        changes: NotificationPreferences,
    ) -> Result<NotificationPreferences, DomainError> {
        let rows: Vec<preference::ActiveModel> = changes
            .email
            .iter()
            .map(|(kind, on)| preference::ActiveModel {
                user_id: Set(actor.user_id.0),
                kind: Set(kind.as_str().to_owned()),
                email: Set(*on),
            })
            .collect();
        if !rows.is_empty() {
            preference::Entity::insert_many(rows)
                .on_conflict(
                    OnConflict::columns([preference::Column::UserId, preference::Column::Kind])
                        .update_column(preference::Column::Email)
                        .to_owned(),
                )
                .exec_without_returning(self.db())
                .await?;
        }
        self.preferences(actor).await
    }
}
