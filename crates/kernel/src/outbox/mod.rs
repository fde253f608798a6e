//! The transactional outboxes.
//!
//! Mail: a service that must send an email calls [`enqueue`] with the same
//! database transaction as the change that causes it, so the email exists
//! exactly when the change does. [`OutboxWorker`] delivers due emails through
//! the [`Mailer`] port, retrying failures with capped exponential backoff; a
//! claim lock lets several server instances share the outbox without sending
//! twice.
//!
//! SMTP cannot be exactly once: when the connection is lost or times out
//! after the message was handed over, the server may have taken it, and the
//! email is sent again. Every attempt carries the same `Message-ID` (made of
//! the outbox row's id), so a receiver can drop the repeat; an email the
//! server refused (a 4xx or 5xx answer) or never received is simply retried.
//!
//! Events ([`events`]): what a change causes besides itself (a new post's
//! counts, notifications and search index), recorded with the change and
//! applied afterwards by its handler, in order per stream.

mod entity;
mod event_entity;
pub mod events;
mod lag;

use crate::persistence::db_now;
use crate::ports::{Mailer, OutgoingEmail};
use entity::{ActiveModel, Column, Entity};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::{Notify, watch};

/// Writes an email into the outbox within the caller's transaction.
pub async fn enqueue(conn: &impl ConnectionTrait, email: &OutgoingEmail) -> Result<(), DbErr> {
    let now = db_now();
    let row = ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        recipient: Set(email.to.clone()),
        subject: Set(email.subject.clone()),
        body_text: Set(email.text.clone()),
        body_html: Set(email.html.clone()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
    };
    Entity::insert(row).exec_without_returning(conn).await?;
    Ok(())
}

/// Delivery settings of the worker.
#[derive(Clone, Debug)]
pub struct OutboxConfig {
    /// How often to look for due emails when nothing wakes the worker.
    pub poll_interval: Duration,
    /// How long a claimed email stays reserved for one instance.
    pub claim_for: Duration,
    pub batch_size: u64,
    pub max_backoff: Duration,
    /// Sent emails are deleted after this long.
    pub keep_sent_for: Duration,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(2),
            claim_for: Duration::from_secs(60),
            batch_size: 50,
            max_backoff: Duration::from_secs(15 * 60),
            keep_sent_for: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// Delivers the outbox in the background.
pub struct OutboxWorker {
    db: DatabaseConnection,
    mailer: Arc<dyn Mailer>,
    config: OutboxConfig,
    wake: Arc<Notify>,
}

impl OutboxWorker {
    pub fn new(db: DatabaseConnection, mailer: Arc<dyn Mailer>, config: OutboxConfig) -> Self {
        Self {
            db,
            mailer,
            config,
            wake: Arc::new(Notify::new()),
        }
    }

    /// A handle that makes the worker look at the outbox now (after a commit).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            match self.deliver_due().await {
                Ok(0) => {}
                Ok(sent) => tracing::debug!(sent, "outbox delivered"),
                Err(e) => {
                    metrics::counter!("backend_errors_total", "backend" => "database").increment(1);
                    tracing::warn!(error = %e, "outbox pass failed");
                }
            }
            if idle(&self.wake, self.config.poll_interval, &mut shutdown).await {
                return;
            }
        }
    }

    /// Sends every due email once; returns how many were sent.
    pub async fn deliver_due(&self) -> Result<usize, DbErr> {
        let now = db_now();
        let due = Entity::find()
            .filter(Column::SentAt.is_null())
            .filter(Column::NextAttemptAt.lte(now))
            .filter(
                Column::LockedUntil
                    .is_null()
                    .or(Column::LockedUntil.lt(now)),
            )
            .order_by_asc(Column::NextAttemptAt)
            .limit(self.config.batch_size)
            .all(&self.db)
            .await?;
        lag::report_oldest_due(lag::MAIL, due.iter().map(|row| row.created_at).min());
        let mut sent = 0;
        for row in due {
            if !self.claim(row.id, now).await? {
                continue;
            }
            // The row's id makes the Message-ID: the same at every attempt.
            let email = OutgoingEmail {
                to: row.recipient.clone(),
                subject: row.subject.clone(),
                text: row.body_text.clone(),
                html: row.body_html.clone(),
                id: Some(row.id),
            };
            match self.mailer.send(&email).await {
                Ok(()) => {
                    self.mark_sent(row.id).await?;
                    lag::observe_done(lag::MAIL, row.created_at);
                    sent += 1;
                }
                Err(e) => {
                    metrics::counter!("backend_errors_total", "backend" => "mail").increment(1);
                    tracing::warn!(outbox_id = %row.id, attempts = row.attempts + 1, error = %e, "email delivery failed, will retry");
                    self.mark_failed(row.id, row.attempts + 1, &e.to_string())
                        .await?;
                }
            }
        }
        self.purge_sent().await?;
        Ok(sent)
    }

    async fn claim(&self, id: uuid::Uuid, now: OffsetDateTime) -> Result<bool, DbErr> {
        let until = crate::persistence::db_time(now + self.config.claim_for);
        let res = Entity::update_many()
            .col_expr(Column::LockedUntil, Expr::value(until))
            .filter(Column::Id.eq(id))
            .filter(Column::SentAt.is_null())
            .filter(
                Column::LockedUntil
                    .is_null()
                    .or(Column::LockedUntil.lt(now)),
            )
            .exec(&self.db)
            .await?;
        Ok(res.rows_affected == 1)
    }

    async fn mark_sent(&self, id: uuid::Uuid) -> Result<(), DbErr> {
        release(id)
            .col_expr(Column::SentAt, Expr::value(db_now()))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    async fn mark_failed(&self, id: uuid::Uuid, attempts: i32, error: &str) -> Result<(), DbErr> {
        let next =
            crate::persistence::db_time(db_now() + backoff(attempts, self.config.max_backoff));
        let error: String = error.chars().take(1000).collect();
        release(id)
            .col_expr(Column::Attempts, Expr::value(attempts))
            .col_expr(Column::NextAttemptAt, Expr::value(next))
            .col_expr(Column::LastError, Expr::value(error))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    async fn purge_sent(&self) -> Result<(), DbErr> {
        let cutoff = crate::persistence::db_time(db_now() - self.config.keep_sent_for);
        Entity::delete_many()
            .filter(Column::SentAt.lt(cutoff))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Emails not yet delivered (for readiness reports and tests).
    pub async fn pending(db: &DatabaseConnection) -> Result<u64, DbErr> {
        use sea_orm::PaginatorTrait;
        Entity::find()
            .filter(Column::SentAt.is_null())
            .count(db)
            .await
    }
}

/// Emails to `recipient` not yet delivered, oldest first (for operator tools
/// such as the demo seed, which follow invitation links without a mailbox).
pub async fn undelivered_to(
    db: &DatabaseConnection,
    recipient: &str,
) -> Result<Vec<OutgoingEmail>, DbErr> {
    let rows = Entity::find()
        .filter(Column::SentAt.is_null())
        .filter(Column::Recipient.eq(recipient))
        .order_by_asc(Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| OutgoingEmail {
            to: r.recipient,
            subject: r.subject,
            text: r.body_text,
            html: r.body_html,
            id: Some(r.id),
        })
        .collect())
}

/// Waits until woken, `poll` passed or shutdown began; true on shutdown.
async fn idle(wake: &Notify, poll: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        () = wake.notified() => {}
        () = tokio::time::sleep(poll) => {}
        _ = shutdown.changed() => {}
    }
    *shutdown.borrow()
}

/// An update of one claimed email that also releases its claim.
fn release(id: uuid::Uuid) -> sea_orm::UpdateMany<Entity> {
    Entity::update_many()
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .filter(Column::Id.eq(id))
}

/// 2^attempts seconds, at most `max`.
fn backoff(attempts: i32, max: Duration) -> Duration {
    let exp = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    Duration::from_secs(2u64.saturating_pow(exp)).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        let max = Duration::from_secs(900);
        assert_eq!(backoff(1, max), Duration::from_secs(2));
        assert_eq!(backoff(3, max), Duration::from_secs(8));
        assert_eq!(backoff(30, max), max);
    }
}
