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
//!   stream waits meanwhile; after [`EventOutboxConfig::max_attempts`] failed
//!   attempts the event is parked (a dead letter: `parked_at` set, logged as
//!   an error, counted in `event_outbox_parked_total`), and its stream
//!   proceeds without it;
//! - parked events, and the rows kept elsewhere for redelivered events
//!   ([`Retained`]: notification sources), are purged in batches once older
//!   than [`EventOutboxConfig::retention`].

use super::event_entity::{ActiveModel, Column, Entity};
use crate::error::DomainError;
use crate::persistence::{db_now, db_time};
use crate::ports::EventBus;
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

impl OutboxEvent {
    /// The payload as `T` (a payload that is not one is corrupt).
    pub fn payload_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, DomainError> {
        serde_json::from_value(self.payload.clone())
            .map_err(|e| DomainError::corrupt(&format!("{} outbox event", self.kind), e))
    }

    /// How long ago the event was recorded.
    pub fn age(&self) -> Duration {
        super::lag::age(self.created_at)
    }
}

/// Where a service's outbox events lead: the worker to wake after a commit,
/// and the realtime fan-out (the hub alone: the event goes out at once, on
/// the critical path; the search index and the rest are fed by the event's
/// handler).
#[derive(Clone)]
pub struct OutboxLink {
    pub wake: Arc<Notify>,
    pub fanout: Arc<dyn EventBus>,
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
        parked_at: Set(None),
        ..Default::default()
    };
    Entity::insert(row).exec_without_returning(conn).await?;
    Ok(())
}

/// An event to record with a change ([`NewEvent::record`] in its
/// transaction).
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    pub stream: String,
    pub kind: &'static str,
    pub payload: serde_json::Value,
}

impl NewEvent {
    pub fn new(
        stream: impl Into<String>,
        kind: &'static str,
        payload: &impl serde::Serialize,
    ) -> Result<Self, DomainError> {
        Ok(Self {
            stream: stream.into(),
            kind,
            payload: serde_json::to_value(payload).map_err(DomainError::internal)?,
        })
    }

    /// Records the event within the caller's transaction.
    pub async fn record(&self, conn: &impl ConnectionTrait) -> Result<(), DbErr> {
        record(conn, &self.stream, self.kind, &self.payload).await
    }
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
    /// Failed attempts after which an event is parked. With the default
    /// backoff an event is given up on within about 35 minutes, so nothing
    /// is redelivered after that.
    pub max_attempts: u32,
    /// How long parked events and [`Retained`] rows are kept; longer than
    /// an event can be redelivered (see `max_attempts`).
    pub retention: Duration,
    /// How often parked events and retained rows are purged.
    pub purge_interval: Duration,
    /// Rows deleted per purge statement.
    pub purge_batch: u64,
}

impl Default for EventOutboxConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(2),
            claim_for: Duration::from_secs(60),
            batch_size: 100,
            max_backoff: Duration::from_secs(15 * 60),
            max_attempts: 10,
            retention: Duration::from_secs(7 * 24 * 3600),
            purge_interval: Duration::from_secs(3600),
            purge_batch: 1000,
        }
    }
}

/// Rows kept elsewhere because an event may be handled again (notification
/// sources: who was already notified of what), purged with the outbox.
#[async_trait]
pub trait Retained: Send + Sync + 'static {
    /// What the rows are (for logs).
    fn name(&self) -> &'static str;

    /// Deletes up to `batch` rows written before `before`; how many went.
    async fn purge_before(&self, before: OffsetDateTime, batch: u64) -> Result<u64, DomainError>;
}

/// What became of a claimed event.
enum Outcome {
    /// Done, or parked: its stream may go on.
    Passed,
    /// Still pending (to retry, or not applicable yet): its stream waits.
    Waiting,
}

/// Hands the recorded events to their handlers in the background.
pub struct EventOutbox {
    db: DatabaseConnection,
    handlers: HashMap<String, Arc<dyn OutboxHandler>>,
    retained: Vec<Arc<dyn Retained>>,
    config: EventOutboxConfig,
    wake: Arc<Notify>,
}

impl EventOutbox {
    pub fn new(db: DatabaseConnection, config: EventOutboxConfig) -> Self {
        Self {
            db,
            handlers: HashMap::new(),
            retained: Vec::new(),
            config,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Events of `kind` go to `handler`.
    pub fn with_handler(mut self, kind: &str, handler: Arc<dyn OutboxHandler>) -> Self {
        self.handlers.insert(kind.to_owned(), handler);
        self
    }

    /// `rows` are purged with the outbox's parked events.
    pub fn with_retained(mut self, rows: Arc<dyn Retained>) -> Self {
        self.retained.push(rows);
        self
    }

    /// A handle that makes the worker look at the outbox now (after a commit).
    pub fn waker(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Runs until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut next_purge = tokio::time::Instant::now();
        loop {
            if tokio::time::Instant::now() >= next_purge {
                self.purge().await;
                next_purge = tokio::time::Instant::now() + self.config.purge_interval;
            }
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
            .filter(Column::ParkedAt.is_null())
            .filter(Column::NextAttemptAt.lte(now))
            .filter(unclaimed(now))
            .order_by_asc(Column::Id)
            .limit(self.config.batch_size)
            .all(&self.db)
            .await?;
        super::lag::report_oldest_due(super::lag::EVENTS, due.first().map(|r| r.created_at));
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
            .filter(Column::ParkedAt.is_null())
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
            match self.apply(row).await? {
                Outcome::Passed => {
                    done += 1;
                    if let Some(head) = heads.get_mut(&stream) {
                        *head = i64::MIN;
                    }
                }
                Outcome::Waiting => {
                    heads.remove(&stream);
                }
            }
        }
        Ok(done)
    }

    /// Gives a claimed event to its handler.
    async fn apply(&self, row: super::event_entity::Model) -> Result<Outcome, DbErr> {
        let id = row.id;
        let attempts = row.attempts;
        let kind = row.kind.clone();
        let created_at = row.created_at;
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
                super::lag::observe_done(super::lag::EVENTS, created_at);
                Ok(Outcome::Passed)
            }
            Ok(Handled::Later(after)) => {
                release(id)
                    .col_expr(
                        Column::NextAttemptAt,
                        Expr::value(db_time(db_now() + after)),
                    )
                    .exec(&self.db)
                    .await?;
                Ok(Outcome::Waiting)
            }
            Err(e) => {
                let attempts = attempts.saturating_add(1);
                let error: String = e.to_string().chars().take(1000).collect();
                let failed = release(id)
                    .col_expr(Column::Attempts, Expr::value(attempts))
                    .col_expr(Column::LastError, Expr::value(error));
                if u32::try_from(attempts).unwrap_or(u32::MAX) >= self.config.max_attempts {
                    tracing::error!(outbox_event = id, kind = %kind, attempts, error = %e, "outbox event parked after its last attempt");
                    metrics::counter!("event_outbox_parked_total", "kind" => kind).increment(1);
                    failed
                        .col_expr(Column::ParkedAt, Expr::value(db_time(db_now())))
                        .exec(&self.db)
                        .await?;
                    return Ok(Outcome::Passed);
                }
                tracing::warn!(outbox_event = id, attempts, error = %e, "outbox event failed, will retry");
                let next = db_time(db_now() + super::backoff(attempts, self.config.max_backoff));
                failed
                    .col_expr(Column::NextAttemptAt, Expr::value(next))
                    .exec(&self.db)
                    .await?;
                Ok(Outcome::Waiting)
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

    /// Releases every claim: call at startup when this instance is the only
    /// one that can use the database (SQLite, locked to one process), so
    /// that the claims of a process that crashed do not make their events
    /// wait until they expire ([`EventOutboxConfig::claim_for`]).
    pub async fn release_claims(&self) -> Result<u64, DbErr> {
        let res = Entity::update_many()
            .col_expr(
                Column::LockedUntil,
                Expr::value(Option::<OffsetDateTime>::None),
            )
            .filter(Column::LockedUntil.is_not_null())
            .exec(&self.db)
            .await?;
        Ok(res.rows_affected)
    }

    /// Deletes parked events and [`Retained`] rows older than the
    /// retention, in batches; how many rows went. Failures are logged and
    /// left for the next purge.
    pub async fn purge(&self) -> u64 {
        let before = db_now() - self.config.retention;
        let batch = self.config.purge_batch.max(1);
        let mut purged = 0;
        loop {
            match self.purge_parked(before, batch).await {
                Ok(n) => {
                    purged += n;
                    if n < batch {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "parked outbox events not purged");
                    break;
                }
            }
        }
        for rows in &self.retained {
            loop {
                match rows.purge_before(before, batch).await {
                    Ok(n) => {
                        purged += n;
                        if n < batch {
                            break;
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, rows = rows.name(), "retained rows not purged");
                        break;
                    }
                }
            }
        }
        purged
    }

    /// Deletes up to `batch` events parked before `before`.
    async fn purge_parked(&self, before: OffsetDateTime, batch: u64) -> Result<u64, DbErr> {
        let ids: Vec<i64> = Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::ParkedAt.lt(db_time(before)))
            .order_by_asc(Column::Id)
            .limit(batch)
            .into_tuple()
            .all(&self.db)
            .await?;
        if ids.is_empty() {
            return Ok(0);
        }
        let res = Entity::delete_many()
            .filter(Column::Id.is_in(ids))
            .exec(&self.db)
            .await?;
        Ok(res.rows_affected)
    }

    /// Events not yet done nor parked (for tests and operators).
    pub async fn pending(db: &DatabaseConnection) -> Result<u64, DbErr> {
        Entity::find()
            .filter(Column::ParkedAt.is_null())
            .count(db)
            .await
    }

    /// Parked events: given up on after their last attempt (for tests and
    /// operators; `last_error` says why).
    pub async fn parked(db: &DatabaseConnection) -> Result<u64, DbErr> {
        Entity::find()
            .filter(Column::ParkedAt.is_not_null())
            .count(db)
            .await
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
