//! Where use cases live: [`UseCaseStore`], implemented on MongoDB
//! ([`mongo::MongoUseCaseStore`]) and on the relational database
//! ([`sql::SqlUseCaseStore`]); both pass the same contract suite.

pub mod cached;
pub mod mongo;
pub mod sql;

use crate::doc::{UseCaseDoc, key};
use crate::types::{FacetCount, Facets, Sort, Status, UseCaseFilter};
use async_trait::async_trait;
use futures_util::stream::BoxStream;
use p2p_kernel::ports::HiddenFilter;
use p2p_kernel::{DayCount, DomainError};
use sea_orm::DatabaseTransaction;
use serde::{Deserialize, Serialize};
use std::future::Future;
use time::Date;
use uuid::Uuid;

/// Use cases read from a cursor, one at a time.
pub type DocStream = BoxStream<'static, Result<UseCaseDoc, DomainError>>;

/// Most values listed per facet.
pub const FACET_VALUES: u64 = 20;

/// The four facets of a list, counted concurrently (each store gives one
/// grouped count per facet).
pub(crate) async fn gather_facets(
    industry: impl Future<Output = Result<Vec<FacetCount>, DomainError>>,
    technology: impl Future<Output = Result<Vec<FacetCount>, DomainError>>,
    tag: impl Future<Output = Result<Vec<FacetCount>, DomainError>>,
    city: impl Future<Output = Result<Vec<FacetCount>, DomainError>>,
) -> Result<Facets, DomainError> {
    let (industry, technology, tag, city) = tokio::try_join!(industry, technology, tag, city)?;
    Ok(Facets {
        industry,
        technology,
        tag,
        city,
    })
}

/// Where a page starts: strictly after this (sort value, id) in the list order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// `sort_time` (latest) or `view_count` (popular).
    pub v: i64,
    pub id: Uuid,
}

/// A list query in store terms: normalized filter keys.
#[derive(Clone, Debug, PartialEq)]
pub struct ListQuery {
    pub status: Status,
    pub organization: Option<Uuid>,
    /// Only the use cases this user submitted.
    pub submitted_by: Option<Uuid>,
    pub industry: Option<String>,
    pub technology: Option<String>,
    pub tag: Option<String>,
    pub city: Option<String>,
    /// Lower-case words that must all appear in the keys' text.
    pub words: Vec<String>,
    pub sort: Sort,
    /// Which hidden use cases the list holds (none unless [`Self::visible_to`]).
    pub hidden: HiddenFilter,
}

impl ListQuery {
    /// Published use cases (or, with `status=draft`, the drafts of `own_org`) matching `filter`.
    pub fn from_filter(filter: &UseCaseFilter, own_org: Uuid) -> Self {
        let status = filter.status.unwrap_or(Status::Published);
        let organization = match status {
            Status::Draft => Some(own_org),
            Status::Published => filter.organization_id.map(|o| o.0),
        };
        let clean = |v: &Option<String>| v.as_deref().map(key).filter(|v| !v.is_empty());
        Self {
            status,
            organization,
            submitted_by: None,
            industry: clean(&filter.industry),
            technology: clean(&filter.technology),
            tag: clean(&filter.tag),
            city: clean(&filter.city),
            words: filter
                .q
                .as_deref()
                .map(|q| q.split_whitespace().map(key).take(8).collect())
                .unwrap_or_default(),
            sort: filter.sort,
            hidden: HiddenFilter::None,
        }
    }

    /// Every use case with `status` that everyone sees, newest first.
    pub fn all(status: Status) -> Self {
        Self {
            status,
            organization: None,
            submitted_by: None,
            industry: None,
            technology: None,
            tag: None,
            city: None,
            words: Vec::new(),
            sort: Sort::Latest,
            hidden: HiddenFilter::None,
        }
    }

    /// Every use case `author` submitted with `status`, hidden ones
    /// included, newest first.
    pub fn submitted_by(author: Uuid, status: Status) -> Self {
        Self {
            submitted_by: Some(author),
            hidden: HiddenFilter::All,
            ..Self::all(status)
        }
    }

    /// The hidden use cases `viewer` may see are listed too.
    pub fn visible_to(mut self, viewer: &p2p_kernel::Actor) -> Self {
        self.hidden = HiddenFilter::for_viewer(viewer);
        self
    }

    /// The position of `doc` in this query's order.
    pub fn position_of(&self, doc: &UseCaseDoc) -> Position {
        Position {
            v: match self.sort {
                Sort::Latest => doc.keys.sort_time,
                Sort::Popular => doc.view.view_count,
            },
            id: doc.view.id.0,
        }
    }
}

#[async_trait]
pub trait UseCaseStore: Send + Sync + 'static {
    async fn insert(&self, doc: &UseCaseDoc) -> Result<(), DomainError>;

    /// Inserts many use cases in bulk (seeding, benchmarks).
    async fn insert_many(&self, docs: &[UseCaseDoc]) -> Result<(), DomainError>;

    async fn get(&self, id: Uuid) -> Result<Option<UseCaseDoc>, DomainError>;

    /// The use cases of `ids` that exist, in one query (any order).
    async fn get_many(&self, ids: &[Uuid]) -> Result<Vec<UseCaseDoc>, DomainError>;

    /// Replaces the content of an existing use case (its view count is kept).
    /// False when it does not exist.
    async fn replace(&self, doc: &UseCaseDoc) -> Result<bool, DomainError>;

    /// Like [`Self::replace`], within `txn`, a transaction of the relational
    /// database, when the store keeps use cases there (`Some`; call
    /// [`Self::committed`] after the commit); `None`, writing nothing, when
    /// they live elsewhere (call [`Self::replace`] after the commit).
    async fn replace_in(
        &self,
        _txn: &DatabaseTransaction,
        _doc: &UseCaseDoc,
    ) -> Result<Option<bool>, DomainError> {
        Ok(None)
    }

    /// A write made with [`Self::replace_in`] was committed.
    async fn committed(&self) {}

    /// False when it did not exist.
    async fn delete(&self, id: Uuid) -> Result<bool, DomainError>;

    /// Up to `limit` use cases matching `query`, in its order, after `after`.
    async fn list(
        &self,
        query: &ListQuery,
        after: Option<Position>,
        limit: u64,
    ) -> Result<Vec<UseCaseDoc>, DomainError>;

    /// Every use case matching `query`, in its order, as one server-side
    /// cursor fetching `batch` at a time; `None` when the store has none
    /// (the caller then pages through [`UseCaseStore::list`] by keyset).
    async fn scan(&self, query: &ListQuery, batch: u64) -> Result<Option<DocStream>, DomainError> {
        let _ = (query, batch);
        Ok(None)
    }

    /// Counts per industry, technology, tag and city of everything matching `query`
    /// (most frequent first, at most [`FACET_VALUES`] each).
    async fn facets(&self, query: &ListQuery) -> Result<Facets, DomainError>;

    /// Adds one view, atomically.
    async fn add_view(&self, id: Uuid) -> Result<(), DomainError>;

    /// How many use cases (drafts included) the organization has, leaving
    /// out those hidden by moderators.
    async fn count_by_org(&self, org: Uuid) -> Result<u64, DomainError>;

    /// How many of the organization's use cases (not hidden) were published
    /// per UTC day, for days on or after `since`, oldest first (days without
    /// publications left out).
    async fn published_per_day(&self, org: Uuid, since: Date)
    -> Result<Vec<DayCount>, DomainError>;
}

/// Microseconds in a day: `sort_time / DAY_MICROS` is the UTC day of a publication.
pub const DAY_MICROS: i64 = 86_400_000_000;

/// The `sort_time` of the first instant of `day` (UTC).
pub(crate) fn day_start_micros(day: Date) -> i64 {
    let start = day.midnight().assume_utc().unix_timestamp_nanos() / 1_000;
    i64::try_from(start).unwrap_or(i64::MIN)
}
