//! A pooled Redis connection that counts its exchanges with the server
//! ([`crate::round_trips`]).

use crate::round_trips::RoundTrips;
use deadpool_redis::redis::aio::ConnectionLike;
use deadpool_redis::redis::{Cmd, Pipeline, RedisFuture, Value};

/// A connection of the pool; each command, and each pipeline (sent at once,
/// answered at once), counts as one round trip.
pub struct CountedConnection {
    conn: deadpool_redis::Connection,
    trips: RoundTrips,
}

impl CountedConnection {
    pub(super) fn new(conn: deadpool_redis::Connection, trips: RoundTrips) -> Self {
        Self { conn, trips }
    }
}

impl ConnectionLike for CountedConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        self.trips.redis_exchange();
        self.conn.req_packed_command(cmd)
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        self.trips.redis_exchange();
        self.conn.req_packed_commands(pipeline, offset, count)
    }

    fn get_db(&self) -> i64 {
        self.conn.get_db()
    }
}
