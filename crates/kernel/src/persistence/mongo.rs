//! Numbers read back from MongoDB documents and aggregations.

use super::{MongoDeadline, stored};
use crate::error::DomainError;
use futures_util::TryStreamExt;
use mongodb::bson::{Bson, Document};
use mongodb::{Collection, Cursor};
use serde::de::DeserializeOwned;
use std::future::IntoFuture;

/// A whole number in a stored document or an aggregation result (Int32,
/// Int64 or a whole Double, as `$sum` may give); absent or null is 0; a
/// negative number or a value of another type is corrupt.
pub fn bson_count(d: &Document, key: &str) -> Result<u64, DomainError> {
    match d.get(key) {
        None | Some(Bson::Null) => Ok(0),
        Some(Bson::Int32(n)) => stored(key, *n),
        Some(Bson::Int64(n)) => stored(key, *n),
        Some(Bson::Double(n)) if *n >= 0.0 && n.fract() == 0.0 => Ok(*n as u64),
        Some(other) => Err(DomainError::corrupt(key, other)),
    }
}

/// Runs a `find` or `aggregate` and reads all it returns, the whole within
/// `deadline`; an error at any point is mapped with [`super::mongo_error`].
pub async fn collect_all<T, A>(deadline: &MongoDeadline, query: A) -> Result<Vec<T>, DomainError>
where
    A: IntoFuture<Output = mongodb::error::Result<Cursor<T>>>,
    T: DeserializeOwned + Send + Sync + Unpin,
{
    deadline
        .run(async move { query.await?.try_collect().await })
        .await
}

/// Runs an aggregation whose results are `{ _id: <string>, n: <count> }` (a
/// `$group` by some field with `n: { $sum: 1 }`) and returns the pairs in the
/// pipeline's order. A group whose `_id` is not a string (a missing field) is
/// left out.
pub async fn group_counts(
    deadline: &MongoDeadline,
    collection: &Collection<Document>,
    pipeline: impl IntoIterator<Item = Document>,
) -> Result<Vec<(String, u64)>, DomainError> {
    let rows = collect_all(deadline, collection.aggregate(pipeline)).await?;
    rows.iter()
        .filter_map(|r| {
            let value = r.get_str("_id").ok()?.to_owned();
            Some(bson_count(r, "n").map(|n| (value, n)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::doc;

    #[test]
    fn counts_are_whole_and_not_negative() {
        let d = doc! { "a": 3_i32, "b": 4_i64, "c": 5.0, "z": Bson::Null, "neg": -1_i32, "s": "x", "f": 1.5 };
        assert_eq!(bson_count(&d, "a").ok(), Some(3));
        assert_eq!(bson_count(&d, "b").ok(), Some(4));
        assert_eq!(bson_count(&d, "c").ok(), Some(5));
        assert_eq!(bson_count(&d, "z").ok(), Some(0));
        assert_eq!(bson_count(&d, "missing").ok(), Some(0));
        for bad in ["neg", "s", "f"] {
            assert!(bson_count(&d, bad).is_err(), "{bad}");
        }
    }
}
