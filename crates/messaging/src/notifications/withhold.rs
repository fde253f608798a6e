//! Notifications about moderated content: while what a notification is
//! about (a topic, post, use case or message, named in its `data`) is hidden
//! by a moderator, or once it is deleted by one, the notification is
//! withheld from its user: it leaves their list, their unread count, their
//! email digest and replays of their channel. Unhiding the content brings
//! it back. Notifications to moderators about reports (`content_reported`)
//! name their target differently and are never withheld.

use super::Notifications;
use crate::entity::notification;
use crate::messages::user_channel;
use crate::notifications::list::notification_view;
use p2p_kernel::ids::UserId;
use p2p_kernel::ports::{NotificationKind, TargetType};
use p2p_kernel::{DomainError, Event};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// The key of `data` naming content of this type, as the domains that
/// notify about it write it; none for users (a notification is never about
/// a person as content).
fn data_key(target: TargetType) -> Option<&'static str> {
    match target {
        TargetType::Topic => Some("topic_id"),
        TargetType::Post => Some("post_id"),
        TargetType::UseCase => Some("use_case_id"),
        TargetType::Message => Some("message_id"),
        TargetType::User => None,
    }
}

/// What `data` (stored as compact JSON) contains when it names `id` under `key`.
fn data_pattern(key: &str, id: Uuid) -> String {
    format!("%\"{key}\":\"{id}\"%")
}

impl Notifications {
    /// Withholds (or gives back) every notification about the content
    /// `target` `id`. Withholding also takes them out of pending email
    /// digests and closes their reply groups (a later reply starts a new
    /// notification); each user's other devices learn it live
    /// (`notification.hidden` with its `id`, or `notification.updated` with
    /// the notification once given back). Returns how many changed.
    pub async fn withhold_about(
        &self,
        target: TargetType,
        id: Uuid,
        withheld: bool,
    ) -> Result<u64, DomainError> {
        let Some(key) = data_key(target) else {
            return Ok(0);
        };
        let about = notification::Column::Data
            .like(data_pattern(key, id))
            .and(notification::Column::Kind.ne(NotificationKind::ContentReported.as_str()));
        let rows = notification::Entity::find()
            .filter(about)
            .filter(notification::Column::Withheld.eq(!withheld))
            .all(self.db())
            .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut update = notification::Entity::update_many()
            .col_expr(notification::Column::Withheld, Expr::value(withheld));
        if withheld {
            update = update
                .col_expr(notification::Column::EmailPending, Expr::value(false))
                .col_expr(notification::Column::GroupKey, Expr::value(None::<String>));
        }
        let changed = update
            .filter(notification::Column::Id.is_in(rows.iter().map(|n| n.id)))
            .filter(notification::Column::Withheld.eq(!withheld))
            .exec(self.db())
            .await?
            .rows_affected;
        let locales = match withheld {
            true => Default::default(),
            false => {
                let mut users: Vec<UserId> = rows.iter().map(|n| UserId(n.user_id)).collect();
                users.sort();
                users.dedup();
                self.locales(&users).await
            }
        };
        for row in rows {
            let user = UserId(row.user_id);
            let channel = user_channel(user);
            let event = if withheld {
                Event::new(
                    channel,
                    "notification.hidden",
                    serde_json::json!({"id": row.id}),
                )
            } else {
                let locale = locales.get(&user).copied().unwrap_or_default();
                let view = serde_json::to_value(notification_view(row, locale)?)
                    .map_err(DomainError::internal)?;
                Event::new(channel, "notification.updated", view)
            };
            // Best-effort live delivery: the bus logs and counts a failure.
            let _ = self.parts().events.publish(event).await;
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_matches_stored_data_and_nothing_else() {
        let (post, other) = (Uuid::now_v7(), Uuid::now_v7());
        let data = serde_json::json!({"topic_id": other, "post_id": post}).to_string();
        let pattern = data_pattern("post_id", post);
        let inner = pattern.trim_matches('%');
        assert!(data.contains(inner), "{data} {pattern}");
        assert!(!data.contains(data_pattern("post_id", other).trim_matches('%')));
        assert!(!data.contains(data_pattern("topic_id", post).trim_matches('%')));
        assert_eq!(data_key(TargetType::User), None);
    }
}
