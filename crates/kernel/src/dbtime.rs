//! Moved to [`crate::persistence`]; kept while the domain crates move over.

pub use crate::persistence::{db_now, db_time};
