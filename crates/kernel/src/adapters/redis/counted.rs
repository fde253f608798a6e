//! A pooled Redis connection that counts its exchanges with the server
//! ([`crate::round_trips`]).

use crate::breaker::Pass;
use crate::round_trips::RoundTrips;
use deadpool_redis::redis::aio::ConnectionLike;
use deadpool_redis::redis::{Cmd, Pipeline, RedisError, RedisFuture, Value};

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

/// `reply`, its outcome reported on `pass`.
fn watched<'a, T: Send + 'a>(reply: RedisFuture<'a, T>, pass: &'a Pass) -> RedisFuture<'a, T> {
    Box::pin(async move {
        let result = reply.await;
        match &result {
            Err(e) if unreachable(e) => pass.unreachable(),
            _ => pass.answered(),
        }
        result
    })
}

impl ConnectionLike for CountedConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        self.trips.redis_exchange();
        watched(self.conn.req_packed_command(cmd), &self.pass)
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
        )
    }

    fn get_db(&self) -> i64 {
        self.conn.get_db()
    }
}
