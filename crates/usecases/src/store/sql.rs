//! Use cases in the relational database: the document as JSON plus indexed
//! columns, and one `use_case_terms` row per technology and tag.

use super::{
    DAY_MICROS, FACET_VALUES, ListQuery, Position, UseCaseStore, day_start_micros, gather_facets,
};
use crate::doc::UseCaseDoc;
use crate::types::{FacetCount, Facets, Sort, Status};
use async_trait::async_trait;
use p2p_kernel::persistence::{begin_write, db_error, stored};
use p2p_kernel::ports::HiddenFilter;
use p2p_kernel::{DayCount, DomainError};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, LikeExpr, Order, Query, SelectStatement};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use uuid::Uuid;

pub(crate) mod use_case {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "use_cases")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: Uuid,
        pub submitted_by: Uuid,
        pub status: String,
        pub industry_key: String,
        pub city_key: Option<String>,
        pub search_text: String,
        pub view_count: i64,
        pub sort_time: i64,
        /// The whole [`crate::doc::UseCaseDoc`] (`jsonb` on PostgreSQL, JSON text on SQLite).
        #[sea_orm(column_type = "JsonBinary")]
        pub doc: Json,
        pub hidden: bool,
        pub created_at: TimeDateTimeWithTimeZone,
        pub updated_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod term {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "use_case_terms")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub use_case_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub facet: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub value: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use use_case::Column as C;

const TECHNOLOGY: &str = "technology";
const TAG: &str = "tag";
/// Rows per multi-row INSERT (well under SQLite's bound-parameter limit).
const INSERT_CHUNK: usize = 500;
/// Bulk inserts from this size on may refresh the planner's statistics.
const ANALYZE_MIN_ROWS: usize = 1_000;

/// The relational [`UseCaseStore`].
#[derive(Clone)]
pub struct SqlUseCaseStore {
    db: DatabaseConnection,
}

impl SqlUseCaseStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The use cases `find` selects.
    async fn fetch(
        &self,
        find: sea_orm::Select<use_case::Entity>,
    ) -> Result<Vec<UseCaseDoc>, DomainError> {
        find.all(&self.db)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(decode)
            .collect()
    }
}

fn row(doc: &UseCaseDoc) -> Result<use_case::ActiveModel, DomainError> {
    let v = &doc.view;
    Ok(use_case::ActiveModel {
        id: Set(v.id.0),
        organization_id: Set(v.organization_id.0),
        submitted_by: Set(v.submitted_by.0),
        status: Set(v.status.as_str().to_owned()),
        industry_key: Set(doc.keys.industry.clone()),
        city_key: Set(doc.keys.city.clone()),
        search_text: Set(doc.keys.text.clone()),
        view_count: Set(v.view_count),
        sort_time: Set(doc.keys.sort_time),
        doc: Set(serde_json::to_value(doc).map_err(DomainError::internal)?),
        hidden: Set(v.hidden),
        created_at: Set(p2p_kernel::persistence::db_time(v.created_at)),
        updated_at: Set(p2p_kernel::persistence::db_time(v.updated_at)),
    })
}

fn terms(doc: &UseCaseDoc) -> Vec<term::ActiveModel> {
    let id = doc.view.id.0;
    let of = |facet: &str, values: &[String]| {
        values
            .iter()
            .map(|value| term::ActiveModel {
                use_case_id: Set(id),
                facet: Set(facet.to_owned()),
                value: Set(value.clone()),
            })
            .collect::<Vec<_>>()
    };
    let mut out = of(TECHNOLOGY, &doc.keys.technology);
    out.extend(of(TAG, &doc.keys.tags));
    out
}

/// A stored row as a use case; a document that is not one is corrupt data.
fn decode(model: use_case::Model) -> Result<UseCaseDoc, DomainError> {
    let mut doc: UseCaseDoc =
        serde_json::from_value(model.doc).map_err(|e| DomainError::corrupt("use case", e))?;
    doc.view.view_count = model.view_count;
    Ok(doc)
}

/// `%word%` with LIKE's wildcards escaped (`\` is the escape character).
fn like_pattern(word: &str) -> String {
    let escaped = word
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

fn has_term(facet: &str, value: &str) -> SelectStatement {
    Query::select()
        .column(term::Column::UseCaseId)
        .from(term::Entity)
        .and_where(Expr::col(term::Column::Facet).eq(facet))
        .and_where(Expr::col(term::Column::Value).eq(value))
        .to_owned()
}

fn condition(q: &ListQuery) -> Condition {
    let mut c = Condition::all().add(C::Status.eq(q.status.as_str()));
    if let Some(org) = q.organization {
        c = c.add(C::OrganizationId.eq(org));
    }
    if let Some(author) = q.submitted_by {
        c = c.add(C::SubmittedBy.eq(author));
    }
    if let Some(industry) = &q.industry {
        c = c.add(C::IndustryKey.eq(industry.clone()));
    }
    if let Some(city) = &q.city {
        c = c.add(C::CityKey.eq(city.clone()));
    }
    if let Some(t) = &q.technology {
        c = c.add(C::Id.in_subquery(has_term(TECHNOLOGY, t)));
    }
    if let Some(t) = &q.tag {
        c = c.add(C::Id.in_subquery(has_term(TAG, t)));
    }
    match q.hidden {
        HiddenFilter::All => {}
        HiddenFilter::None => c = c.add(C::Hidden.eq(false)),
        HiddenFilter::Own { user, admin_of } => {
            let mut visible = Condition::any()
                .add(C::Hidden.eq(false))
                .add(C::SubmittedBy.eq(user.0));
            if let Some(org) = admin_of {
                visible = visible.add(C::OrganizationId.eq(org.0));
            }
            c = c.add(visible);
        }
    }
    for word in &q.words {
        c = c.add(Expr::col(C::SearchText).like(LikeExpr::new(like_pattern(word)).escape('\\')));
    }
    c
}

fn after(q: &ListQuery, position: Position) -> Condition {
    let col = match q.sort {
        Sort::Latest => C::SortTime,
        Sort::Popular => C::ViewCount,
    };
    Condition::any().add(col.lt(position.v)).add(
        Condition::all()
            .add(col.eq(position.v))
            .add(C::Id.lt(position.id)),
    )
}

impl SqlUseCaseStore {
    /// PostgreSQL: after a bulk insert of at least a tenth of the table (or
    /// into a table never analyzed), refresh the planner's statistics at once.
    /// Autovacuum would, but up to a minute later; until then the planner
    /// estimates one row per filter and joins the technology and tag terms by
    /// nested loop (6.3 s instead of 0.5 ms for a technology+city page at 40,000).
    async fn refresh_statistics(&self, inserted: usize) -> Result<(), DomainError> {
        if inserted < ANALYZE_MIN_ROWS || self.db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let estimate = self
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'use_cases'::regclass",
            ))
            .await
            .map_err(db_error)?
            .and_then(|r| r.try_get::<f64>("", "n").ok())
            .unwrap_or(-1.0);
        if estimate < 0.0 || inserted as f64 >= 0.1 * estimate {
            self.db
                .execute_unprepared("ANALYZE use_cases, use_case_terms")
                .await
                .map_err(db_error)?;
        }
        Ok(())
    }

    async fn counts(&self, stmt: SelectStatement) -> Result<Vec<FacetCount>, DomainError> {
        let rows = self.db.query_all(&stmt).await.map_err(db_error)?;
        rows.into_iter()
            .map(|r| {
                Ok(FacetCount {
                    value: r.try_get::<String>("", "value").map_err(db_error)?,
                    count: stored("facet count", r.try_get::<i64>("", "n").map_err(db_error)?)?,
                })
            })
            .collect()
    }

    fn column_facet(q: &ListQuery, col: C) -> SelectStatement {
        Query::select()
            .expr_as(Expr::col(col), Alias::new("value"))
            .expr_as(Func::count(Expr::col(C::Id)), Alias::new("n"))
            .from(use_case::Entity)
            .cond_where(condition(q))
            .and_where(Expr::col(col).is_not_null())
            .group_by_col(col)
            .order_by(Alias::new("n"), Order::Desc)
            .order_by(col, Order::Asc)
            .limit(FACET_VALUES)
            .to_owned()
    }

    fn term_facet(q: &ListQuery, facet: &str) -> SelectStatement {
        let matching = Query::select()
            .column(C::Id)
            .from(use_case::Entity)
            .cond_where(condition(q))
            .to_owned();
        Query::select()
            .expr_as(Expr::col(term::Column::Value), Alias::new("value"))
            .expr_as(
                Func::count(Expr::col(term::Column::UseCaseId)),
                Alias::new("n"),
            )
            .from(term::Entity)
            .and_where(Expr::col(term::Column::Facet).eq(facet))
            .and_where(Expr::col(term::Column::UseCaseId).in_subquery(matching))
            .group_by_col(term::Column::Value)
            .order_by(Alias::new("n"), Order::Desc)
            .order_by(term::Column::Value, Order::Asc)
            .limit(FACET_VALUES)
            .to_owned()
    }
}

#[async_trait]
impl UseCaseStore for SqlUseCaseStore {
    async fn insert(&self, doc: &UseCaseDoc) -> Result<(), DomainError> {
        self.insert_many(std::slice::from_ref(doc)).await
    }

    async fn insert_many(&self, docs: &[UseCaseDoc]) -> Result<(), DomainError> {
        let txn = begin_write(&self.db).await?;
        for chunk in docs.chunks(INSERT_CHUNK) {
            let rows = chunk.iter().map(row).collect::<Result<Vec<_>, _>>()?;
            use_case::Entity::insert_many(rows)
                .exec(&txn)
                .await
                .map_err(db_error)?;
            let terms: Vec<_> = chunk.iter().flat_map(terms).collect();
            for terms in terms.chunks(INSERT_CHUNK) {
                term::Entity::insert_many(terms.to_vec())
                    .exec(&txn)
                    .await
                    .map_err(db_error)?;
            }
        }
        txn.commit().await.map_err(db_error)?;
        self.refresh_statistics(docs.len()).await
    }

    async fn get(&self, id: Uuid) -> Result<Option<UseCaseDoc>, DomainError> {
        use_case::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .map_err(db_error)?
            .map(decode)
            .transpose()
    }

    async fn get_many(&self, ids: &[Uuid]) -> Result<Vec<UseCaseDoc>, DomainError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.fetch(use_case::Entity::find().filter(C::Id.is_in(ids.iter().copied())))
            .await
    }

    async fn replace(&self, doc: &UseCaseDoc) -> Result<bool, DomainError> {
        let txn = begin_write(&self.db).await?;
        if !replace_rows(&txn, doc).await? {
            return Ok(false);
        }
        txn.commit().await.map_err(db_error)?;
        Ok(true)
    }

    async fn replace_in(
        &self,
        txn: &DatabaseTransaction,
        doc: &UseCaseDoc,
    ) -> Result<Option<bool>, DomainError> {
        replace_rows(txn, doc).await.map(Some)
    }

    async fn delete(&self, id: Uuid) -> Result<bool, DomainError> {
        let txn = begin_write(&self.db).await?;
        term::Entity::delete_many()
            .filter(term::Column::UseCaseId.eq(id))
            .exec(&txn)
            .await
            .map_err(db_error)?;
        let gone = use_case::Entity::delete_by_id(id)
            .exec(&txn)
            .await
            .map_err(db_error)?;
        txn.commit().await.map_err(db_error)?;
        Ok(gone.rows_affected == 1)
    }

    async fn list(
        &self,
        q: &ListQuery,
        position: Option<Position>,
        limit: u64,
    ) -> Result<Vec<UseCaseDoc>, DomainError> {
        let mut find = use_case::Entity::find().filter(condition(q));
        if let Some(position) = position {
            find = find.filter(after(q, position));
        }
        let find = match q.sort {
            Sort::Latest => find.order_by_desc(C::SortTime),
            Sort::Popular => find.order_by_desc(C::ViewCount),
        };
        self.fetch(find.order_by_desc(C::Id).limit(limit)).await
    }

    async fn facets(&self, q: &ListQuery) -> Result<Facets, DomainError> {
        // One grouped query per facet (each on its own pooled connection).
        gather_facets(
            self.counts(Self::column_facet(q, C::IndustryKey)),
            self.counts(Self::term_facet(q, TECHNOLOGY)),
            self.counts(Self::term_facet(q, TAG)),
            self.counts(Self::column_facet(q, C::CityKey)),
        )
        .await
    }

    async fn add_view(&self, id: Uuid) -> Result<(), DomainError> {
        use_case::Entity::update_many()
            .col_expr(C::ViewCount, Expr::col(C::ViewCount).add(1))
            .filter(C::Id.eq(id))
            .exec(&self.db)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn count_by_org(&self, org: Uuid) -> Result<u64, DomainError> {
        use sea_orm::PaginatorTrait;
        use_case::Entity::find()
            .filter(C::OrganizationId.eq(org))
            .filter(C::Hidden.eq(false))
            .count(&self.db)
            .await
            .map_err(db_error)
    }

    async fn published_per_day(
        &self,
        org: Uuid,
        since: time::Date,
    ) -> Result<Vec<DayCount>, DomainError> {
        // Integer division on both PostgreSQL (bigint) and SQLite; the
        // organization index (organization_id, status, sort_time) serves it.
        // A literal divisor: a bound parameter in both the select list and
        // the GROUP BY would be two parameters, which PostgreSQL cannot match.
        let day = Expr::cust(format!("sort_time / {DAY_MICROS}"));
        let stmt = Query::select()
            .expr_as(day.clone(), Alias::new("day"))
            .expr_as(Func::count(Expr::col(C::Id)), Alias::new("n"))
            .from(use_case::Entity)
            .and_where(Expr::col(C::OrganizationId).eq(org))
            .and_where(Expr::col(C::Status).eq(Status::Published.as_str()))
            .and_where(Expr::col(C::Hidden).eq(false))
            .and_where(Expr::col(C::SortTime).gte(day_start_micros(since)))
            .add_group_by([day.clone()])
            .order_by_expr(day, Order::Asc)
            .to_owned();
        let rows = self.db.query_all(&stmt).await.map_err(db_error)?;
        rows.into_iter()
            .map(|r| {
                let day = r.try_get::<i64>("", "day").map_err(db_error)?;
                let n = r.try_get::<i64>("", "n").map_err(db_error)?;
                DayCount::from_epoch_day("use cases per day", day, n)
            })
            .collect()
    }
}

/// Replaces a use case's row and terms (its view count kept); false when it
/// does not exist.
async fn replace_rows(conn: &impl ConnectionTrait, doc: &UseCaseDoc) -> Result<bool, DomainError> {
    let mut active = row(doc)?;
    active.view_count = sea_orm::ActiveValue::NotSet;
    let updated = use_case::Entity::update_many()
        .set(active)
        .filter(C::Id.eq(doc.view.id.0))
        .exec(conn)
        .await
        .map_err(db_error)?;
    if updated.rows_affected == 0 {
        return Ok(false);
    }
    term::Entity::delete_many()
        .filter(term::Column::UseCaseId.eq(doc.view.id.0))
        .exec(conn)
        .await
        .map_err(db_error)?;
    let terms = terms(doc);
    if !terms.is_empty() {
        term::Entity::insert_many(terms)
            .exec(conn)
            .await
            .map_err(db_error)?;
    }
    Ok(true)
}
