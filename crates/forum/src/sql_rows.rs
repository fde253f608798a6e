//! Reads both relational stores (topics, and posts on the embedded
//! default) make the same way.

use p2p_kernel::day_count::day_key;
use p2p_kernel::persistence::db_error;
use p2p_kernel::{DayCount, DomainError};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use time::Date;
use uuid::Uuid;

/// The rows of `E` whose `id` is among `ids` (in no particular order),
/// decoded by `decode`.
pub(crate) async fn find_by_ids<E: EntityTrait, T>(
    conn: &impl ConnectionTrait,
    id: E::Column,
    ids: impl IntoIterator<Item = Uuid>,
    decode: impl Fn(E::Model) -> Result<T, DomainError>,
) -> Result<Vec<T>, DomainError> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    E::find()
        .filter(id.is_in(ids))
        .all(conn)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(decode)
        .collect()
}

/// Rows per UTC day (`created_day`, `YYYY-MM-DD`), for the organization
/// statistics: how many rows of `rows` (already filtered) have each `day` on or after
/// `since`, counting `id`, oldest first; days without any are left out, a
/// stored day that is not a date is corrupt.
pub(crate) async fn count_per_day<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    rows: Select<E>,
    day: E::Column,
    id: E::Column,
    since: Date,
) -> Result<Vec<DayCount>, DomainError> {
    let counts = rows
        .select_only()
        .column(day)
        .column_as(Expr::col(id).count(), "n")
        .filter(day.gte(day_key(since)))
        .group_by(day)
        .order_by_asc(day)
        .into_tuple::<(String, i64)>()
        .all(conn)
        .await
        .map_err(db_error)?;
    counts
        .into_iter()
        .map(|(day, n)| DayCount::from_key("rows per day", &day, n))
        .collect()
}
