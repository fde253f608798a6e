//! A pooled Redis connection that counts its exchanges with the server
//! ([`crate::round_trips`]).

use crate::breaker::Pass;
use crate::round_trips::{RoundTrips, observe_call, redis_op};
use deadpool_redis::redis::aio::ConnectionLike;
use deadpool_redis::redis::{Arg, Cmd, Pipeline, RedisError, RedisFuture, Value};
use std::time::Instant;

/// A connection of the pool; each command, and each pipeline (sent at once,
/// answered at once), counts as one round trip. Each answer, or failure for
/// want of Redis, is reported on the [`Pass`] the breaker gave the connection
/// (a failure opens the breaker; an answer to its trial closes it).
pub struct CountedConnection {
    conn: deadpool_redis::Connection,
    trips: RoundTrips,
    pass: Pass,
}

impl CountedConnection {
    pub(super) fn new(conn: deadpool_redis::Connection, trips: RoundTrips, pass: Pass) -> Self {
        Self { conn, trips, pass }
    }
}

/// Whether `e` says Redis is unreachable rather than the command wrong.
fn unreachable(e: &RedisError) -> bool {
    e.is_timeout() || e.is_io_error() || e.is_connection_refusal() || e.is_connection_dropped()
}

/// `reply` to a command `op`, its outcome reported on `pass` and timed
/// ([`observe_call`]).
fn watched<'a, T: Send + 'a>(
    reply: RedisFuture<'a, T>,
    pass: &'a Pass,
    op: &'static str,
) -> RedisFuture<'a, T> {
    let sent = Instant::now();
    Box::pin(async move {
        let result = reply.await;
        match &result {
            Err(e) if unreachable(e) => pass.unreachable(),
            _ => pass.answered(),
        }
        observe_call("redis", op, sent.elapsed(), result.is_err());
        result
    })
}

/// The bounded label of `cmd` (its command's name, never a key).
fn command_op(cmd: &Cmd) -> &'static str {
    match cmd.args_iter().next() {
        Some(Arg::Simple(name)) => redis_op(name),
        _ => "other",
    }
}

impl ConnectionLike for CountedConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        self.trips.redis_exchange();
        watched(
            self.conn.req_packed_command(cmd),
            &self.pass,
            command_op(cmd),
        )
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        self.trips.redis_exchange();
        watched(
            self.conn.req_packed_commands(pipeline, offset, count),
            &self.pass,
            "pipeline",
        )
    }

    fn get_db(&self) -> i64 {
        self.conn.get_db()
    }
}
