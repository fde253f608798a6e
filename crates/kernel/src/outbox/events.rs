//! The event outbox: what a change causes besides itself (counters,
//! notifications, search indexing…) is recorded as an event in the same
//! transaction as the change ([`record`]) and applied afterwards by
//! [`EventOutbox`], through the handler registered for the event's kind:
//!
//! - at least once: a crash between the commit and the handler, or inside
//!   the handler, runs it again, so handlers are idempotent;
//! - in order per stream (`topic:<id>`…): an event waits until every earlier
//!   event of its stream is done, whichever server instance handles it (an
//!   event is claimed for one instance at a time, and only the oldest pending
//!   event of a stream may be claimed);
//! - a failing handler is retried with exponential backoff (capped), and its
//!   stream waits meanwhile.

use super::event_entity::{ActiveModel, Column, Entity};
use crate::error::DomainError;
use crate::persistence::{db_now, db_time};
use async_trait::async_trait;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::{Notify, watch};

/// An event waiting in the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxEvent {
    /// Increasing in the order events were recorded.
    pub id: i64,
    pub stream: String,
    pub kind: String,
    pub payload: serde_json::Value,
    pub created_at: OffsetDateTime,
    /// Earlier attempts that failed.
    pub attempts: u32,
}

/// What became of an event given to its handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handled {
    /// Applied: the event leaves the outbox.
    Done,
    /// Not yet applicable (what it is about is not visible yet): try again
    /// after this long, without counting a failure.
    Later(Duration),
}

/// Applies the events of one kind. Must be idempotent: an event can be
/// handed over again after a crash.
#[async_trait]
pub trait OutboxHandler: Send + Sync + 'static {
    async fn handle(&self, event: &OutboxEvent) -> Result<Handled, DomainError>;
}

/// Records an event within the caller's transaction.
pub async fn record(
    conn: &impl ConnectionTrait,
    stream: &str,
    kind: &str,
    payload: &serde_json::Value,
) -> Result<(), DbErr> {
    let now = db_now();
    let row = ActiveModel {
        stream: Set(stream.to_owned()),
        kind: Set(kind.to_owned()),
        payload: Set(payload.to_string()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        ..Default::default()
    };
    Entity::insert(row).exec_without_returning(conn).await?;
    Ok(())
}

/// How the outbox is worked through.
#[derive(Clone, Debug)]
pub struct EventOutboxConfig {
    /// How often to look for due events when nothing wakes the worker.
    pub poll_interval: Duration,
    /// How long a claimed event stays reserved for one instance.
    pub claim_for: Duration,
    pub batch_size: u64,
    pub max_backoff: Duration,
}

impl Default for EventOutboxConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(2),
            claim_for: Duration::from_secs(60),
            batch_size: 100,
            max_backoff: Duration::from_secs(15 * 60),
        }
    }
}

/// Hands the recorded events to their handlers in the background.
pub struct EventOutbox {
    db: DatabaseConnection,
    handlers: HashMap<String, Arc<dyn OutboxHandler>>,
    config: EventOutboxConfig,
    wake: Arc<Notify>,
}

impl EventOutbox {
    pub fn new(db: DatabaseConnection, config: EventOutboxConfig) -> Self {
        Self {
            db,
            handlers: HashMap::new(),
            config,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Events of `kind` go to `handler`.
    pub fn with_handler(mut self, kind: &str, handler: Arc<dyn OutboxHandler>) -> Self {
        self.handlers.insert(kind.to_owned(), handler);
        self
    }

    /// A handle that makes the worker look at the outbox now (after a commit).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            let full = match self.process_due().await {
                Ok(handled) => handled as u64 >= self.config.batch_size,
                Err(e) => {
                    metrics::counter!("backend_errors_total", "backend" => "database").increment(1);
                    tracing::warn!(error = %e, "event outbox pass failed");
                    false
                }
            };
            let stopping = if full {
                *shutdown.borrow()
            } else {
                super::idle(&self.wake, self.config.poll_interval, &mut shutdown).await
            };
            if stopping {
                return;
            }
        }
    }

    /// Hands every due event whose stream has nothing older pending to its
    /// handler, in order per stream; returns how many were done.
    pub async fn process_due(&self) -> Result<usize, DbErr> {
        let now = db_now();
        let due = Entity::find()
            .filter(Column::NextAttemptAt.lte(now))
            .filter(unclaimed(now))
            .order_by_asc(Column::Id)
            .limit(self.config.batch_size)
            .all(&self.db)
            .await?;
        if due.is_empty() {
            return Ok(0);
        }
        let streams: HashSet<&str> = due.iter().map(|r| r.stream.as_str()).collect();
        // The oldest pending event of each stream: the only one that may go.
        let mut heads: HashMap<String, i64> = Entity::find()
            .select_only()
            .column(Column::Stream)
            .column_as(Column::Id.min(), "head")
            .filter(Column::Stream.is_in(streams))
            .group_by(Column::Stream)
            .into_tuple::<(String, i64)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        let mut done = 0;
        for row in due {
            // Rows of a stream come in id order; after its head is done, the
            // stream's next pending row is the next one here.
            match heads.get_mut(&row.stream) {
                Some(head) if *head == row.id || *head == i64::MIN => *head = row.id,
                _ => continue,
            }
            if !self.claim(row.id, now).await? {
                heads.remove(&row.stream);
                continue;
            }
            let stream = row.stream.clone();
            if self.apply(row).await? {
                done += 1;
                if let Some(head) = heads.get_mut(&stream) {
                    *head = i64::MIN;
                }
            } else {
                heads.remove(&stream);
            }
        }
        Ok(done)
    }

    /// Gives a claimed event to its handler; true when it is done.
    async fn apply(&self, row: super::event_entity::Model) -> Result<bool, DbErr> {
        let id = row.id;
        let attempts = row.attempts;
        let outcome = match self.handlers.get(&row.kind) {
            Some(handler) => match event_of(row) {
                Ok(event) => handler.handle(&event).await,
                Err(e) => Err(e),
            },
            None => Err(DomainError::internal(format!(
                "no handler for outbox events of kind {}",
                row.kind
            ))),
        };
        match outcome {
            Ok(Handled::Done) => {
                Entity::delete_by_id(id).exec(&self.db).await?;
                Ok(true)
            }
            Ok(Handled::Later(after)) => {
                release(id)
                    .col_expr(
                        Column::NextAttemptAt,
                        Expr::value(db_time(db_now() + after)),
                    )
                    .exec(&self.db)
                    .await?;
                Ok(false)
            }
            Err(e) => {
                let attempts = attempts.saturating_add(1);
                tracing::warn!(outbox_event = id, attempts, error = %e, "outbox event failed, will retry");
                let next = db_time(db_now() + super::backoff(attempts, self.config.max_backoff));
                let error: String = e.to_string().chars().take(1000).collect();
                release(id)
                    .col_expr(Column::Attempts, Expr::value(attempts))
                    .col_expr(Column::NextAttemptAt, Expr::value(next))
                    .col_expr(Column::LastError, Expr::value(error))
                    .exec(&self.db)
                    .await?;
                Ok(false)
            }
        }
    }

    async fn claim(&self, id: i64, now: OffsetDateTime) -> Result<bool, DbErr> {
        let until = db_time(now + self.config.claim_for);
        let res = Entity::update_many()
            .col_expr(Column::LockedUntil, Expr::value(until))
            .filter(Column::Id.eq(id))
            .filter(unclaimed(now))
            .exec(&self.db)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Events not yet done (for tests and operators).
    pub async fn pending(db: &DatabaseConnection) -> Result<u64, DbErr> {
        Entity::find().count(db).await
    }
}

fn unclaimed(now: OffsetDateTime) -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(Column::LockedUntil.is_null())
        .add(Column::LockedUntil.lt(now))
}

fn event_of(row: super::event_entity::Model) -> Result<OutboxEvent, DomainError> {
    let payload = serde_json::from_str(&row.payload)
        .map_err(|e| DomainError::corrupt("outbox payload", e))?;
    Ok(OutboxEvent {
        id: row.id,
        stream: row.stream,
        kind: row.kind,
        payload,
        created_at: row.created_at,
        attempts: u32::try_from(row.attempts).unwrap_or(0),
    })
}

/// An update of one claimed event that also releases its claim.
fn release(id: i64) -> sea_orm::UpdateMany<Entity> {
    Entity::update_many()
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .filter(Column::Id.eq(id))
}
