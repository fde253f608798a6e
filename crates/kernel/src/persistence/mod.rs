//! Persistence helpers every domain crate shares, kept in one place: how a
//! database or MongoDB error becomes a [`DomainError`], write transactions,
//! timestamps as the stores keep them, and numbers read back from storage.
//!
//! A lost or exhausted connection is `unavailable` (503, retryable); any other
//! backend failure is `internal` (500, cause logged only); a stored value that
//! cannot be read back is [`DomainError::corrupt`] (500), never clamped.

mod errors;
mod mongo;
mod mongo_deadline;
mod time;

pub use errors::{begin_write, db_error, is_unique_violation, mongo_error};
pub use mongo::{bson_count, collect_all, group_counts};
pub use mongo_deadline::{MongoDeadline, WithinDeadline};
pub use time::{TimePrecision, api_time, db_now, db_time};

use crate::error::DomainError;
use std::fmt::Display;

/// A number read back from storage as the type the domain uses (e.g. an `i64`
/// count column as `u64`). A value that does not fit (a negative count) means
/// the stored data is corrupt: an error naming `what`, not a silent clamp.
pub fn stored<T, S>(what: &str, value: S) -> Result<T, DomainError>
where
    T: TryFrom<S>,
    S: Copy + Display,
{
    T::try_from(value)
        .map_err(|_| DomainError::corrupt(what, format_args!("{value} is out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::error::ErrorCode;

    #[test]
    fn stored_numbers_convert_or_are_corrupt() {
        assert_eq!(stored::<u64, i64>("count", 7).ok(), Some(7));
        assert_eq!(stored::<u32, i32>("depth", 0).ok(), Some(0));
        let e = stored::<u64, i64>("count", -1).err();
        let e = e.as_ref().map(|e| (e.kind(), e.public_detail()));
        assert_eq!(e, Some((ErrorKind::Internal, "internal error".to_string())));
        let e = stored::<u64, i64>("upvote_count", -3).err();
        assert!(e.is_some_and(|e| {
            e.to_string()
                .contains("stored upvote_count is not readable")
        }));
    }
}
