//! A pooled Redis connection that counts its exchanges with the server
//! ([`crate::round_trips`]).

use crate::breaker::Breaker;
use crate::round_trips::RoundTrips;
use deadpool_redis::redis::aio::ConnectionLike;
use deadpool_redis::redis::{Cmd, Pipeline, RedisError, RedisFuture, Value};
use std::sync::Arc;

/// A connection of the pool; each command, and each pipeline (sent at once,
/// answered at once), counts as one round trip. A command that fails for want
/// of Redis opens the connection's [`Breaker`].
pub struct CountedConnection {
    conn: deadpool_redis::Connection,
    trips: RoundTrips,
    breaker: Arc<Breaker>,
}

impl CountedConnection {
    pub(super) fn new(
        conn: deadpool_redis::Connection,
        trips: RoundTrips,
        breaker: Arc<Breaker>,
    ) -> Self {
        Self {
            conn,
            trips,
            breaker,
        }
    }
}

/// Whether `e` says Redis is unreachable rather than the command wrong.
fn unreachable(e: &RedisError) -> bool {
    e.is_timeout() || e.is_io_error() || e.is_connection_refusal() || e.is_connection_dropped()
}

/// `reply`, opening `breaker` when it fails for want of Redis.
fn watched<'a, T: Send + 'a>(
    reply: RedisFuture<'a, T>,
    breaker: &Arc<Breaker>,
) -> RedisFuture<'a, T> {
    let breaker = breaker.clone();
    Box::pin(async move {
        let result = reply.await;
        if let Err(e) = &result
            && unreachable(e)
        {
            breaker.trip();
        }
        result
    })
}

impl ConnectionLike for CountedConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        self.trips.redis_exchange();
        watched(self.conn.req_packed_command(cmd), &self.breaker)
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
            &self.breaker,
        )
    }

    fn get_db(&self) -> i64 {
        self.conn.get_db()
    }
}
