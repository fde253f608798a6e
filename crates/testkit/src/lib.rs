//! The one test harness of the domain crates' suites.
//!
//! [`Databases::open`] gives each test fresh databases on the backend it names (a SQLite
//! file, or a PostgreSQL database and, where asked, a MongoDB database), migrated;
//! [`run`] hands them to the test and drops them afterwards, even when the test panics.
//! A service that is not reachable fails the test with a message naming it: nothing
//! skips. A suite keeps one `support::run` (and for store contracts `support::run_store`)
//! that builds its own services over these databases; [`on_both!`] and [`every_store!`]
//! turn `async fn`s into one test per backend that call them. [`redis`] gives a
//! test Redis under a key prefix of its own; [`member`] a caller that needs no stored user.

mod actors;
mod clock;
mod databases;
mod errors;
mod macros;
mod redis;

pub use actors::member;
pub use clock::TickingClock;
pub use databases::{Backend, Databases, StoreKind, migrate_back_before, run};
pub use errors::{code, fields};
pub use redis::{redis, same_redis};
