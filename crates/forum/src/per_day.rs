//! Rows per UTC day of a relational table with a `created_day` column
//! (`YYYY-MM-DD`), for the organization statistics of topics and posts.

use crate::store::DayCount;
use p2p_kernel::DomainError;
use p2p_kernel::persistence::{db_error, stored};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};

/// How many rows of `rows` (already filtered) have each `day` on or after
/// `since_day`, counting `id`; days without any are left out.
pub(crate) async fn count_per_day<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    rows: Select<E>,
    day: E::Column,
    id: E::Column,
    since_day: &str,
) -> Result<Vec<DayCount>, DomainError> {
    let counts = rows
        .select_only()
        .column(day)
        .column_as(Expr::col(id).count(), "n")
        .filter(day.gte(since_day))
        .group_by(day)
        .order_by_asc(day)
        .into_tuple::<(String, i64)>()
        .all(conn)
        .await
        .map_err(db_error)?;
    counts
        .into_iter()
        .map(|(day, n)| {
            Ok(DayCount {
                day,
                count: stored("rows per day", n)?,
            })
        })
        .collect()
}
