//! What every domain shares: typed ids, the calling [`Actor`], pagination,
//! the error model, domain [`Event`]s, the ports (cache, rate limiter, pub/sub,
//! mailer, clock, health probes) and their in-process and networked adapters.

pub mod actor;
pub mod adapters;
pub mod audit;
pub mod breaker;
pub mod code;
pub mod day_count;
pub mod error;
pub mod event;
pub mod field_code;
pub mod footprint;
pub mod ids;
pub mod locale;
pub mod outbox;
pub mod page;
pub mod persistence;
pub mod ports;
pub mod round_trips;
pub mod testenv;
pub mod text;
pub mod trending;
pub mod validate;

pub use actor::{Actor, Role};
pub use code::Code;
pub use day_count::DayCount;
pub use error::{DomainError, ErrorCode, ErrorKind, FieldError};
pub use event::Event;
pub use field_code::FieldCode;
pub use locale::Locale;
pub use page::{Cursor, Page, PageRequest};
