//! The realtime crate's suites: the replay log contract (run on both
//! backends), the hub, the connection driver and the socket loop.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bounds;
mod connection;
mod hub;
mod replay_contract;
mod replay_states;
mod serve;
mod shards;
mod support;
