//! Creating notifications: the kernel's `Notifier` port.

use super::Notifications;
use crate::entity::{digest, notification, preference};
use crate::messages::user_channel;
use crate::notifications::list::notification_view;
use async_trait::async_trait;
use p2p_kernel::ids::{NotificationId, UserId};
use p2p_kernel::persistence::begin_write;
use p2p_kernel::persistence::db_now;
use p2p_kernel::ports::{NotificationRequest, Notifier, Recipients};
use p2p_kernel::{DomainError, Event};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashSet;

const TITLE_CHARS: usize = 300;
const LINK_CHARS: usize = 500;

#[async_trait]
impl Notifier for Notifications {
    async fn notify(&self, requests: Vec<NotificationRequest>) {
        for request in requests {
            let kind = request.kind;
            if let Err(e) = self.create(request).await {
                tracing::warn!(error = %e, kind = %kind, "notifications not created");
            }
        }
    }
}

impl Notifications {
    /// Stores one notification per recipient (the actor excluded), schedules
    /// the email digests of those who want this kind by email, then announces
    /// each one on its user's channel. Returns how many were created.
    pub async fn create(&self, request: NotificationRequest) -> Result<usize, DomainError> {
        let recipients = self.recipients(&request).await?;
        if recipients.is_empty() {
            return Ok(0);
        }
        let kind = request.kind.as_str();
        let email_off: HashSet<uuid::Uuid> = preference::Entity::find()
            .filter(preference::Column::UserId.is_in(recipients.iter().map(|u| u.0)))
            .filter(preference::Column::Kind.eq(kind))
            .filter(preference::Column::Email.eq(false))
            .all(self.db())
            .await?
            .into_iter()
            .map(|p| p.user_id)
            .collect();
        let now = db_now();
        let due = now + self.inner.digest.window;
        let data = request.data.to_string();
        let rows: Vec<notification::Model> = recipients
            .iter()
            .map(|user| notification::Model {
                id: NotificationId::new().0,
                user_id: user.0,
                kind: kind.to_owned(),
                actor_id: request.actor_id.map(|a| a.0),
                title: truncate(&request.title, TITLE_CHARS),
                link: request.link.as_deref().map(|l| truncate(l, LINK_CHARS)),
                data: data.clone(),
                read_at: None,
                email_pending: !email_off.contains(&user.0),
                created_at: now,
            })
            .collect();
        let txn = begin_write(self.db()).await?;
        notification::Entity::insert_many(
            rows.iter().cloned().map(notification::ActiveModel::from),
        )
        .exec_without_returning(&txn)
        .await?;
        let digests: Vec<digest::ActiveModel> = rows
            .iter()
            .filter(|r| r.email_pending)
            .map(|r| digest::ActiveModel {
                user_id: Set(r.user_id),
                due_at: Set(due),
            })
            .collect();
        if !digests.is_empty() {
            digest::Entity::insert_many(digests)
                .on_conflict(
                    OnConflict::column(digest::Column::UserId)
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
        let created = rows.len();
        for row in rows {
            let channel = user_channel(UserId(row.user_id));
            match serde_json::to_value(notification_view(row)?) {
                Ok(data) => {
                    self.inner
                        .events
                        .publish(Event::new(channel, "notification.created", data))
                        .await
                }
                Err(e) => tracing::warn!(error = %e, "notification not serializable"),
            }
        }
        Ok(created)
    }

    /// The users to notify: deduplicated, the actor left out.
    async fn recipients(&self, request: &NotificationRequest) -> Result<Vec<UserId>, DomainError> {
        let listed = match &request.recipients {
            Recipients::Users(users) => users.clone(),
            Recipients::OrganizationMembers(org) => {
                self.inner.directory.organization_members(*org).await?
            }
        };
        let mut seen = HashSet::new();
        Ok(listed
            .into_iter()
            .filter(|u| Some(*u) != request.actor_id && seen.insert(*u))
            .collect())
    }
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}
