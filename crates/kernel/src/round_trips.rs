//! Round trips to each backend, counted by the adapters themselves: every
//! statement sea-orm sends to PostgreSQL or SQLite, every command the MongoDB
//! driver sends, every Redis command or pipeline (one exchange on the wire).
//! Round trips made by the background workers (futures run through
//! [`RoundTrips::worker`]) are counted apart from the others, which are the
//! requests' own: tests and benchmarks read [`RoundTrips::requests`] (or
//! [`RoundTrips::total`]) before and after an operation to see what it cost
//! each backend, without a worker's periodic polls in the figures.
//!
//! What is not counted: the `BEGIN` and `COMMIT` of SQL transactions (sea-orm
//! reports statements only, so on PostgreSQL each transaction costs two more
//! exchanges than counted here), statements sent with `execute_unprepared`
//! (migrations), connection handshakes, the MongoDB driver's
//! monitoring heartbeats, and messages pushed to Redis subscriptions.
//!
//! A benchmark can also keep the text of the SQL statements requests send
//! ([`RoundTrips::keep_statements`]), to replay the very statements an
//! endpoint runs against the database alone (its same-statement floor).
//!
//! The same seam times each call for Prometheus ([`observe_call`]):
//! `backend_call_duration_seconds` and `backend_call_errors_total`, labelled
//! by `backend` and a bounded `op` (the SQL verb, the MongoDB command, the
//! Redis command among a known few, else `other`; never keys or values).
//! A process-wide [`CallObserver`] (the server's tracing export installs one,
//! see [`set_call_observer`]) is told of each call too; without one, nothing
//! else happens.

use mongodb::event::EventHandler;
use mongodb::event::command::CommandEvent;
use sea_orm::DatabaseConnection;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

tokio::task_local! {
    /// Set while a background worker runs.
    static IN_WORKER: ();
}

/// The counters of one application's backends (cloning shares them).
#[derive(Clone, Debug, Default)]
pub struct RoundTrips {
    counters: Arc<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    requests: PerBackend,
    workers: PerBackend,
    /// Whether requests' SQL statements are being kept (checked before
    /// `kept` is locked, so the usual cost is one relaxed load).
    keeping: AtomicBool,
    kept: Mutex<Vec<String>>,
}

#[derive(Debug, Default)]
struct PerBackend {
    sql: AtomicU64,
    documents: AtomicU64,
    redis: AtomicU64,
}

#[derive(Clone, Copy)]
enum Backend {
    Sql,
    Documents,
    Redis,
}

fn in_worker() -> bool {
    IN_WORKER.try_with(|_| ()).is_ok()
}

impl Counters {
    fn add(&self, backend: Backend) {
        let side = if in_worker() {
            &self.workers
        } else {
            &self.requests
        };
        let counter = match backend {
            Backend::Sql => &side.sql,
            Backend::Documents => &side.documents,
            Backend::Redis => &side.redis,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn kept_statements(&self) -> MutexGuard<'_, Vec<String>> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl PerBackend {
    fn read(&self) -> Trips {
        Trips {
            sql: self.sql.load(Ordering::Relaxed),
            documents: self.documents.load(Ordering::Relaxed),
            redis: self.redis.load(Ordering::Relaxed),
        }
    }
}

/// Round trips counted so far (or between two readings: `after - before`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Trips {
    /// Statements sent to the relational database (PostgreSQL or SQLite).
    pub sql: u64,
    /// Commands sent to the document store (MongoDB).
    pub documents: u64,
    /// Commands or pipelines sent to Redis.
    pub redis: u64,
}

impl std::ops::Sub for Trips {
    type Output = Trips;

    fn sub(self, earlier: Trips) -> Trips {
        Trips {
            sql: self.sql.saturating_sub(earlier.sql),
            documents: self.documents.saturating_sub(earlier.documents),
            redis: self.redis.saturating_sub(earlier.redis),
        }
    }
}

impl std::ops::Add for Trips {
    type Output = Trips;

    fn add(self, other: Trips) -> Trips {
        Trips {
            sql: self.sql + other.sql,
            documents: self.documents + other.documents,
            redis: self.redis + other.redis,
        }
    }
}

impl std::fmt::Display for Trips {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "sql {}, documents {}, redis {}",
            self.sql, self.documents, self.redis
        )
    }
}

impl RoundTrips {
    /// The round trips made so far outside the background workers (by
    /// requests, and by the tasks they started).
    pub fn requests(&self) -> Trips {
        self.counters.requests.read()
    }

    /// The round trips made so far by the background workers.
    pub fn workers(&self) -> Trips {
        self.counters.workers.read()
    }

    /// Every round trip made so far.
    pub fn total(&self) -> Trips {
        self.requests() + self.workers()
    }

    /// Runs a background worker: its round trips count as the workers'.
    pub async fn worker<F: Future>(work: F) -> F::Output {
        IN_WORKER.scope((), work).await
    }

    /// Spawns a background worker (see [`Self::worker`]).
    pub fn spawn_worker<F>(work: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio::spawn(Self::worker(work))
    }

    /// Counts every statement `db` (and each of its transactions) sends.
    /// Replaces any metric callback `db` had.
    pub fn count_statements(&self, db: &mut DatabaseConnection) {
        let counters = self.counters.clone();
        db.set_metric_callback(move |info| {
            counters.add(Backend::Sql);
            observe_call(
                "database",
                sql_op(&info.statement.sql),
                info.elapsed,
                info.failed,
            );
            if counters.keeping.load(Ordering::Relaxed) && !in_worker() {
                counters.kept_statements().push(info.statement.to_string());
            }
        });
    }

    /// Starts keeping the text (parameters inlined) of every SQL statement
    /// sent outside the background workers, until [`Self::take_statements`].
    pub fn keep_statements(&self) {
        self.counters.kept_statements().clear();
        self.counters.keeping.store(true, Ordering::Relaxed);
    }

    /// Stops keeping statements and returns those kept, in the order sent.
    pub fn take_statements(&self) -> Vec<String> {
        self.counters.keeping.store(false, Ordering::Relaxed);
        std::mem::take(&mut *self.counters.kept_statements())
    }

    /// A MongoDB command-event handler counting each command the driver
    /// starts (set it as the client's `command_event_handler`).
    pub fn document_commands(&self) -> EventHandler<CommandEvent> {
        let counters = self.counters.clone();
        EventHandler::callback(move |event| match event {
            CommandEvent::Started(_) => counters.add(Backend::Documents),
            CommandEvent::Succeeded(done) => observe_call(
                "mongodb",
                mongo_op(&done.command_name),
                done.duration,
                false,
            ),
            CommandEvent::Failed(failed) => observe_call(
                "mongodb",
                mongo_op(&failed.command_name),
                failed.duration,
                true,
            ),
            _ => {}
        })
    }

    /// Counts one Redis exchange (a command, or a pipeline sent at once).
    pub(crate) fn redis_exchange(&self) {
        self.counters.add(Backend::Redis);
    }
}

/// Records one backend call: its latency in `backend_call_duration_seconds`
/// and, when it failed, `backend_call_errors_total`. `op` must come from a
/// bounded set (see the module's documentation).
pub fn observe_call(backend: &'static str, op: &'static str, elapsed: Duration, failed: bool) {
    metrics::histogram!("backend_call_duration_seconds", "backend" => backend, "op" => op)
        .record(elapsed.as_secs_f64());
    if failed {
        metrics::counter!("backend_call_errors_total", "backend" => backend, "op" => op)
            .increment(1);
    }
    if let Some(observer) = CALL_OBSERVER.get() {
        observer(&BackendCall {
            backend,
            op,
            elapsed,
            failed,
        });
    }
}

/// One backend call, as [`observe_call`] saw it: it ended just now, after
/// `elapsed`, in the task that made it (so inside the caller's tracing span).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackendCall {
    pub backend: &'static str,
    /// From a bounded set, never user data (see the module's documentation).
    pub op: &'static str,
    pub elapsed: Duration,
    pub failed: bool,
}

/// Told of every backend call [`observe_call`] records; it runs inline, so
/// it must be quick.
pub type CallObserver = Box<dyn Fn(&BackendCall) + Send + Sync>;

static CALL_OBSERVER: OnceLock<CallObserver> = OnceLock::new();

/// Installs the process's [`CallObserver`]; `false` (and `observer` unused)
/// when one was installed already.
pub fn set_call_observer(observer: CallObserver) -> bool {
    CALL_OBSERVER.set(observer).is_ok()
}

/// Runs `call` to `backend` and records it with [`observe_call`] (an `Err`
/// is a failure).
pub async fn timed<T, E>(
    backend: &'static str,
    op: &'static str,
    call: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let sent = std::time::Instant::now();
    let result = call.await;
    observe_call(backend, op, sent.elapsed(), result.is_err());
    result
}

/// The first keyword of `sql`, among the few statements there are.
fn sql_op(sql: &str) -> &'static str {
    let verb = sql.split_whitespace().next().unwrap_or_default();
    known(
        verb,
        &[
            "select", "insert", "update", "delete", "with", "begin", "commit", "rollback",
        ],
    )
}

/// A MongoDB command's name, among those the stores send.
fn mongo_op(command: &str) -> &'static str {
    known(
        command,
        &[
            "find",
            "getMore",
            "insert",
            "update",
            "delete",
            "aggregate",
            "count",
            "findAndModify",
            "createIndexes",
            "killCursors",
            "ping",
            "hello",
        ],
    )
}

/// A Redis command's name (`GET`, `EVALSHA`…), among those the adapters send.
pub(crate) fn redis_op(command: &[u8]) -> &'static str {
    let command = std::str::from_utf8(command).unwrap_or_default();
    known(
        command,
        &[
            "get",
            "set",
            "del",
            "mget",
            "incr",
            "pexpire",
            "expire",
            "eval",
            "evalsha",
            "publish",
            "xadd",
            "xrange",
            "xrevrange",
            "zadd",
            "zrange",
            "scan",
            "ping",
            "exists",
            "ttl",
        ],
    )
}

/// `word` as the entry of `names` it equals (ignoring case), else `other`.
fn known(word: &str, names: &[&'static str]) -> &'static str {
    names
        .iter()
        .find(|name| name.eq_ignore_ascii_case(word))
        .copied()
        .unwrap_or("other")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn readings_subtract_per_backend_and_workers_count_apart() {
        let trips = RoundTrips::default();
        let before = trips.requests();
        trips.redis_exchange();
        trips.redis_exchange();
        RoundTrips::worker(async { trips.redis_exchange() }).await;
        let made = Trips {
            sql: 0,
            documents: 0,
            redis: 2,
        };
        assert_eq!(trips.requests() - before, made);
        assert_eq!(before - trips.requests(), Trips::default());
        assert_eq!(trips.workers().redis, 1);
        assert_eq!(trips.total().redis, 3);
    }

    #[test]
    fn the_call_observer_is_told_of_each_call() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        assert!(set_call_observer(Box::new(move |call| {
            // Other tests observe calls concurrently: keep this test's own.
            if call.backend == "observer-test" {
                sink.lock().unwrap().push(*call);
            }
        })));
        assert!(!set_call_observer(Box::new(|_| {})), "installed once");
        observe_call("observer-test", "get", Duration::from_millis(3), true);
        let calls = seen.lock().unwrap().clone();
        assert_eq!(
            calls,
            [BackendCall {
                backend: "observer-test",
                op: "get",
                elapsed: Duration::from_millis(3),
                failed: true,
            }]
        );
    }

    #[test]
    fn operation_labels_are_a_bounded_set() {
        assert_eq!(sql_op("  SELECT x FROM t WHERE id = $1"), "select");
        assert_eq!(sql_op("insert into t values (1)"), "insert");
        assert_eq!(sql_op("VACUUM"), "other");
        assert_eq!(sql_op(""), "other");
        assert_eq!(mongo_op("getMore"), "getMore");
        assert_eq!(mongo_op("dropDatabase"), "other");
        assert_eq!(redis_op(b"EVALSHA"), "evalsha");
        assert_eq!(redis_op(b"p2p:session:abc"), "other", "never a key");
        assert_eq!(redis_op(&[0xff, 0xfe]), "other");
    }

    #[tokio::test]
    async fn statements_are_counted_in_and_out_of_transactions() {
        use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
        let sql = |s: &str| Statement::from_string(DbBackend::Sqlite, s);
        let mut db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let trips = RoundTrips::default();
        trips.count_statements(&mut db);
        db.execute_raw(sql("CREATE TABLE t (x INTEGER)"))
            .await
            .unwrap();
        let txn = db.begin().await.unwrap();
        txn.execute_raw(sql("INSERT INTO t VALUES (1)"))
            .await
            .unwrap();
        txn.execute_raw(sql("INSERT INTO t VALUES (2)"))
            .await
            .unwrap();
        txn.commit().await.unwrap();
        RoundTrips::worker(db.execute_raw(sql("SELECT 1")))
            .await
            .unwrap();
        assert_eq!(trips.requests().sql, 3);
        assert_eq!(trips.workers().sql, 1);
    }

    #[tokio::test]
    async fn kept_statements_are_the_requests_with_their_values_inlined() {
        use sea_orm::{ConnectionTrait, DbBackend, Statement};
        let mut db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let trips = RoundTrips::default();
        trips.count_statements(&mut db);
        let select =
            |x: i32| Statement::from_sql_and_values(DbBackend::Sqlite, "SELECT ? AS x", [x.into()]);
        db.query_one_raw(select(1)).await.unwrap();
        trips.keep_statements();
        db.query_one_raw(select(2)).await.unwrap();
        RoundTrips::worker(db.query_one_raw(select(3)))
            .await
            .unwrap();
        db.query_one_raw(select(4)).await.unwrap();
        assert_eq!(trips.take_statements(), ["SELECT 2 AS x", "SELECT 4 AS x"]);
        db.query_one_raw(select(5)).await.unwrap();
        assert!(trips.take_statements().is_empty());
        assert_eq!(trips.requests().sql, 4);
    }
}
