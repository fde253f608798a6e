//! Creating notifications: the kernel's `Notifier` port.

use super::Notifications;
use super::group::Group;
use crate::entity::{digest, notification, preference, source};
use crate::messages::user_channel;
use crate::notifications::list::notification_view;
use async_trait::async_trait;
use p2p_kernel::ids::{NotificationId, UserId};
use p2p_kernel::persistence::{begin_write, db_now, db_time};
use p2p_kernel::ports::{NotificationRequest, NotificationText, Notifier, Recipients};
use p2p_kernel::{DomainError, Event, Locale};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
};
use std::collections::HashSet;
use time::OffsetDateTime;
use uuid::Uuid;

const TITLE_CHARS: usize = 300;
const LINK_CHARS: usize = 500;
/// Attempts to join or open a group (another writer may open it between the
/// two: then the next attempt joins it).
const GROUP_ATTEMPTS: usize = 4;

#[async_trait]
impl Notifier for Notifications {
    async fn notify(&self, requests: Vec<NotificationRequest>) {
        for request in requests {
            let kind = request.kind();
            if let Err(e) = self.create(request).await {
                tracing::warn!(error = %e, kind = %kind, "notifications not created");
            }
        }
    }

    async fn deliver(&self, requests: Vec<NotificationRequest>) -> Result<(), DomainError> {
        for request in requests {
            self.create(request).await?;
        }
        Ok(())
    }
}

/// A stored notification and whether it is new or an existing one that an
/// event joined.
enum Outcome {
    Created(notification::Model),
    Joined(notification::Model),
}

impl Notifications {
    /// Stores one notification per recipient (the actor excluded), or adds
    /// the event to the recipient's open notification of its group,
    /// schedules the email digests of those who want this kind by email, then
    /// announces each one on its user's channel (`notification.created`, or
    /// `notification.updated` for a grown group). Returns how many
    /// recipients were notified.
    pub async fn create(&self, request: NotificationRequest) -> Result<usize, DomainError> {
        let mut recipients = self.recipients(&request).await?;
        if let Some(source) = &request.source
            && !recipients.is_empty()
        {
            let notified: HashSet<Uuid> = source::Entity::find()
                .filter(source::Column::Source.eq(source.as_str()))
                .filter(source::Column::UserId.is_in(recipients.iter().map(|u| u.0)))
                .all(self.db())
                .await?
                .into_iter()
                .map(|s| s.user_id)
                .collect();
            recipients.retain(|u| !notified.contains(&u.0));
        }
        if recipients.is_empty() {
            return Ok(0);
        }
        let email_off: HashSet<Uuid> = preference::Entity::find()
            .filter(preference::Column::UserId.is_in(recipients.iter().map(|u| u.0)))
            .filter(preference::Column::Kind.eq(request.kind().as_str()))
            .filter(preference::Column::Email.eq(false))
            .all(self.db())
            .await?
            .into_iter()
            .map(|p| p.user_id)
            .collect();
        let now = db_now();
        let title = StoredTitle::of(&request.text);
        let rows: Vec<notification::Model> = recipients
            .iter()
            .map(|user| new_row(&request, &title, *user, !email_off.contains(&user.0), now))
            .collect();
        let group = Group::of(&request).filter(|_| !self.parts().group_window.is_zero());
        let source = request.source.as_deref();
        let outcomes = match group {
            Some(group) => {
                let mut outcomes = Vec::with_capacity(rows.len());
                for row in rows {
                    outcomes.push(self.join_or_open(row, &group, source).await?);
                }
                outcomes
            }
            None => self.insert(rows, source).await?,
        };
        let notified = outcomes.len();
        let locales = self.locales(&recipients).await;
        for outcome in outcomes {
            let (event, row) = match outcome {
                Outcome::Created(row) => ("notification.created", row),
                Outcome::Joined(row) => ("notification.updated", self.with_subject(row).await),
            };
            let user = UserId(row.user_id);
            let locale = locales.get(&user).copied().unwrap_or_default();
            match serde_json::to_value(notification_view(row, locale)?) {
                Ok(data) => {
                    let event = Event::new(user_channel(user), event, data);
                    // Best-effort live delivery: the bus logs and counts a failure.
                    let _ = self.parts().events.publish(event).await;
                }
                Err(e) => tracing::warn!(error = %e, "notification not serializable"),
            }
        }
        Ok(notified)
    }

    /// Stores ungrouped notifications and their digests in one transaction.
    async fn insert(
        &self,
        rows: Vec<notification::Model>,
        source: Option<&str>,
    ) -> Result<Vec<Outcome>, DomainError> {
        let txn = begin_write(self.db()).await?;
        record_source(&txn, source, &rows).await?;
        notification::Entity::insert_many(
            rows.iter().cloned().map(notification::ActiveModel::from),
        )
        .exec_without_returning(&txn)
        .await?;
        self.schedule_digests(&txn, &rows).await?;
        txn.commit().await?;
        Ok(rows.into_iter().map(Outcome::Created).collect())
    }

    /// Adds the event to the user's open notification of `group` (unread,
    /// younger than the window), or opens the group with `row`. Joining is
    /// one `UPDATE … SET group_count = group_count + 1` on the open row;
    /// opening first takes the key off the user's closed notification of the
    /// group, then inserts with `ON CONFLICT DO NOTHING` on the unique
    /// (user, key): when a concurrent event opened it first, the next attempt
    /// joins theirs.
    async fn join_or_open(
        &self,
        mut row: notification::Model,
        group: &Group,
        source: Option<&str>,
    ) -> Result<Outcome, DomainError> {
        row.group_key = Some(group.key.clone());
        let opened_after = db_time(row.created_at - self.parts().group_window);
        let in_group = Condition::all()
            .add(notification::Column::UserId.eq(row.user_id))
            .add(notification::Column::GroupKey.eq(group.key.as_str()));
        let open = Condition::all()
            .add(notification::Column::ReadAt.is_null())
            .add(notification::Column::CreatedAt.gt(opened_after));
        for _ in 0..GROUP_ATTEMPTS {
            let txn = begin_write(self.db()).await?;
            // The digest row first, the notification second: the order the
            // digest worker locks them in, so the two never wait on each other.
            self.schedule_digests(&txn, std::slice::from_ref(&row))
                .await?;
            record_source(&txn, source, std::slice::from_ref(&row)).await?;
            let mut join = notification::Entity::update_many()
                .col_expr(
                    notification::Column::GroupCount,
                    Expr::col(notification::Column::GroupCount).add(1),
                )
                .col_expr(notification::Column::ActorId, Expr::value(row.actor_id))
                .col_expr(notification::Column::Link, Expr::value(row.link.clone()))
                .col_expr(notification::Column::Data, Expr::value(row.data.clone()))
                .col_expr(notification::Column::UpdatedAt, Expr::value(row.created_at));
            if row.email_pending {
                join = join.col_expr(notification::Column::EmailPending, Expr::value(true));
            }
            let joined = join
                .filter(in_group.clone())
                .filter(open.clone())
                .exec(&txn)
                .await?
                .rows_affected;
            // The row stays locked by this transaction until it commits, so
            // it reads back with this event's count.
            let existing = if joined > 0 {
                notification::Entity::find()
                    .filter(in_group.clone())
                    .one(&txn)
                    .await?
            } else {
                None
            };
            if let Some(existing) = existing {
                txn.commit().await?;
                return Ok(Outcome::Joined(existing));
            }
            notification::Entity::update_many()
                .col_expr(notification::Column::GroupKey, Expr::value(None::<String>))
                .filter(in_group.clone())
                .filter(open.clone().not())
                .exec(&txn)
                .await?;
            let opened = notification::Entity::insert(notification::ActiveModel::from(row.clone()))
                .on_conflict(
                    OnConflict::columns([
                        notification::Column::UserId,
                        notification::Column::GroupKey,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
            if opened == 1 {
                txn.commit().await?;
                return Ok(Outcome::Created(row));
            }
            txn.rollback().await?;
        }
        Err(DomainError::internal(format!(
            "notification group {} kept changing",
            group.key
        )))
    }

    /// A joined group's subject (the topic's title), looked up and stored
    /// the first time the group grows; without one the title says how many
    /// replies but not where.
    async fn with_subject(&self, mut row: notification::Model) -> notification::Model {
        if row.subject.is_some() {
            return row;
        }
        let Some(group) = Group::of_row(&row) else {
            return row;
        };
        let Some(subjects) = self.inner.subjects.get() else {
            return row;
        };
        let title = match subjects.topic_title(group.topic).await {
            Ok(Some(title)) => truncate(&title, TITLE_CHARS),
            Ok(None) => return row,
            Err(e) => {
                tracing::warn!(error = %e, "notification subject not found");
                return row;
            }
        };
        let stored = notification::Entity::update_many()
            .col_expr(notification::Column::Subject, Expr::value(title.clone()))
            .filter(notification::Column::Id.eq(row.id))
            .filter(notification::Column::Subject.is_null())
            .exec(self.db())
            .await;
        if let Err(e) = stored {
            tracing::warn!(error = %e, "notification subject not stored");
        }
        row.subject = Some(title);
        row
    }

    /// Creates the digest rows (due at the end of the digest window) of the
    /// users whose notifications wait for an email, unless they have one.
    async fn schedule_digests(
        &self,
        txn: &impl ConnectionTrait,
        rows: &[notification::Model],
    ) -> Result<(), DomainError> {
        let due = db_now() + self.parts().digest.window;
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
                .exec_without_returning(txn)
                .await?;
        }
        Ok(())
    }

    /// The users to notify: deduplicated, the actor left out.
    async fn recipients(&self, request: &NotificationRequest) -> Result<Vec<UserId>, DomainError> {
        let listed = match &request.recipients {
            Recipients::Users(users) => users.clone(),
            Recipients::OrganizationMembers(org) => {
                self.parts().directory.organization_members(*org).await?
            }
        };
        let mut seen = HashSet::new();
        Ok(listed
            .into_iter()
            .filter(|u| Some(*u) != request.actor_id && seen.insert(*u))
            .collect())
    }
}

/// Notes that the users of `rows` were notified of `source` (with the write
/// of their notifications: both happen or neither).
async fn record_source(
    txn: &impl ConnectionTrait,
    source: Option<&str>,
    rows: &[notification::Model],
) -> Result<(), DomainError> {
    let Some(source) = source else {
        return Ok(());
    };
    if rows.is_empty() {
        return Ok(());
    }
    let now = db_now();
    source::Entity::insert_many(rows.iter().map(|r| source::ActiveModel {
        user_id: Set(r.user_id),
        source: Set(source.to_owned()),
        created_at: Set(now),
    }))
    .on_conflict(
        OnConflict::columns([source::Column::UserId, source::Column::Source])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    Ok(())
}

/// How a notification's title is stored: what it says (each part bounded)
/// as JSON, written in each reader's language when read, and its English
/// line, which older versions read.
struct StoredTitle {
    english: String,
    text: Option<String>,
}

impl StoredTitle {
    fn of(text: &NotificationText) -> Self {
        let text = text.clone().map_parts(|s| truncate(s, TITLE_CHARS));
        Self {
            english: truncate(&text.render(Locale::En), TITLE_CHARS),
            text: serde_json::to_string(&text).ok(),
        }
    }
}

/// A new notification of `request` for `user`.
fn new_row(
    request: &NotificationRequest,
    title: &StoredTitle,
    user: UserId,
    email_pending: bool,
    now: OffsetDateTime,
) -> notification::Model {
    notification::Model {
        id: NotificationId::new().0,
        user_id: user.0,
        kind: request.kind().as_str().to_owned(),
        actor_id: request.actor_id.map(|a| a.0),
        title: title.english.clone(),
        title_text: title.text.clone(),
        link: request.link.as_deref().map(|l| truncate(l, LINK_CHARS)),
        data: request.data.to_string(),
        read_at: None,
        email_pending,
        created_at: now,
        group_key: None,
        group_count: 1,
        subject: None,
        updated_at: None,
        withheld: false,
    }
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}
