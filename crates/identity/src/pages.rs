//! Cursor pagination over an organization's users, stable by (created_at, id).

use crate::entity::user::{Column, Entity, Model};
use p2p_kernel::persistence::{db_error, db_time};
use p2p_kernel::text::arabic::fold;
use p2p_kernel::{DomainError, Page, PageRequest};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// Longer filters are cut to this many characters.
const MAX_QUERY_CHARS: usize = 100;

/// Position of the last user of a page.
#[derive(Serialize, Deserialize)]
struct Position {
    #[serde(with = "time::serde::rfc3339")]
    t: OffsetDateTime,
    id: Uuid,
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `\` as escape character.
fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Which users to list.
pub(crate) struct UserFilter<'a> {
    pub org: Uuid,
    pub active_only: bool,
    /// Substring of first name, last name or email, compared folded
    /// (`search_name`: case, Arabic alef forms, diacritics… do not matter).
    pub q: Option<&'a str>,
}

pub(crate) async fn users_page(
    conn: &impl ConnectionTrait,
    filter: UserFilter<'_>,
    page: &PageRequest,
) -> Result<Page<Model>, DomainError> {
    let position: Option<Position> = page.position()?;
    // Names and emails hold no control characters (and PostgreSQL text no
    // NUL): a filter with one matches nobody.
    if filter.q.is_some_and(|q| q.chars().any(char::is_control)) {
        return Ok(Page {
            items: Vec::new(),
            next_cursor: None,
        });
    }
    let mut query = Entity::find().filter(Column::OrganizationId.eq(filter.org));
    if filter.active_only {
        query = query.filter(Column::IsActive.eq(true));
    }
    if let Some(q) = filter.q.map(str::trim).filter(|q| !q.is_empty()) {
        let q: String = q.chars().take(MAX_QUERY_CHARS).collect();
        let pattern = format!("%{}%", escape_like(&fold(&q)));
        query =
            query.filter(Expr::col(Column::SearchName).like(LikeExpr::new(pattern).escape('\\')));
    }
    if let Some(p) = position {
        let t = db_time(p.t);
        query = query.filter(
            Condition::any().add(Column::CreatedAt.gt(t)).add(
                Condition::all()
                    .add(Column::CreatedAt.eq(t))
                    .add(Column::Id.gt(p.id)),
            ),
        );
    }
    let rows = query
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .limit(page.fetch_limit())
        .all(conn)
        .await
        .map_err(db_error)?;
    Ok(Page::from_rows(rows, page, |u| Position {
        t: u.created_at,
        id: u.id,
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_escaping() {
        assert_eq!(super::escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }
}
