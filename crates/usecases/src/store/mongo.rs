//! Use cases as MongoDB documents: the stored shape is the document's JSON
//! (`_id` = the use case id), filtered and sorted on `status`,
//! `organization_id`, `view_count` and the `keys.*` fields, each list order
//! and filter backed by a compound index.

use super::{
    DAY_MICROS, DocStream, FACET_VALUES, ListQuery, Position, UseCaseStore, day_start_micros,
    gather_facets,
};
use crate::doc::UseCaseDoc;
use crate::types::{FacetCount, Facets, Sort, Status};
use async_trait::async_trait;
use futures_util::{StreamExt, TryStreamExt};
use mongodb::bson::{self, Bson, Document, doc};
use mongodb::options::IndexOptions;
use mongodb::{Collection, Database, IndexModel};
use p2p_kernel::persistence::{
    MongoDeadline, WithinDeadline, collect_all, group_counts, mongo_error,
};
use p2p_kernel::ports::HiddenFilter;
use p2p_kernel::{DayCount, DomainError};
use std::collections::BTreeMap;
use uuid::Uuid;

pub const COLLECTION: &str = "use_cases";

fn to_document(doc: &UseCaseDoc) -> Result<Document, DomainError> {
    let json = serde_json::to_value(doc).map_err(DomainError::internal)?;
    let mut out = bson::to_document(&json).map_err(DomainError::internal)?;
    out.insert("_id", doc.view.id.0.to_string());
    Ok(out)
}

fn from_document(mut d: Document) -> Result<UseCaseDoc, DomainError> {
    d.remove("_id");
    let json: serde_json::Value = Bson::Document(d).into_relaxed_extjson();
    serde_json::from_value(json).map_err(|e| DomainError::corrupt("use case", e))
}

fn regex_escape(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if "\\^$.|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn filter(q: &ListQuery) -> Document {
    let mut f = doc! { "status": q.status.as_str() };
    if let Some(org) = q.organization {
        f.insert("organization_id", org.to_string());
    }
    if let Some(author) = q.submitted_by {
        f.insert("submitted_by", author.to_string());
    }
    if let Some(v) = &q.industry {
        f.insert("keys.industry", v);
    }
    if let Some(v) = &q.technology {
        f.insert("keys.technology", v);
    }
    if let Some(v) = &q.tag {
        f.insert("keys.tags", v);
    }
    if let Some(v) = &q.city {
        f.insert("keys.city", v);
    }
    match q.hidden {
        HiddenFilter::All => {}
        HiddenFilter::None => {
            f.insert("hidden", doc! { "$ne": true });
        }
        HiddenFilter::Own { user, admin_of } => {
            let mut visible = vec![
                doc! { "hidden": { "$ne": true } },
                doc! { "submitted_by": user.to_string() },
            ];
            if let Some(org) = admin_of {
                visible.push(doc! { "organization_id": org.to_string() });
            }
            f.insert("$or", visible);
        }
    }
    if !q.words.is_empty() {
        let words: Vec<Document> = q
            .words
            .iter()
            .map(|w| doc! { "keys.text": { "$regex": regex_escape(w) } })
            .collect();
        f.insert("$and", words);
    }
    f
}

fn sort_field(sort: Sort) -> &'static str {
    match sort {
        Sort::Latest => "keys.sort_time",
        Sort::Popular => "view_count",
    }
}

/// The MongoDB [`UseCaseStore`].
#[derive(Clone)]
pub struct MongoUseCaseStore {
    docs: Collection<Document>,
    deadline: MongoDeadline,
}

impl MongoUseCaseStore {
    /// The same store with each operation within `deadline` (by default
    /// [`MongoDeadline::default`]).
    pub fn with_deadline(mut self, deadline: MongoDeadline) -> Self {
        self.deadline = deadline;
        self
    }

    /// Opens the collection and creates its indexes.
    pub async fn init(db: &Database) -> Result<Self, DomainError> {
        let docs = db.collection::<Document>(COLLECTION);
        let index = |keys: Document, name: &str| {
            IndexModel::builder()
                .keys(keys)
                .options(IndexOptions::builder().name(name.to_owned()).build())
                .build()
        };
        docs.create_indexes([
            index(
                doc! { "status": 1, "keys.sort_time": -1, "id": -1 },
                "latest",
            ),
            index(doc! { "status": 1, "view_count": -1, "id": -1 }, "popular"),
            index(
                doc! { "status": 1, "keys.industry": 1, "keys.sort_time": -1 },
                "industry",
            ),
            index(
                doc! { "status": 1, "keys.technology": 1, "keys.sort_time": -1 },
                "technology",
            ),
            index(
                doc! { "status": 1, "keys.tags": 1, "keys.sort_time": -1 },
                "tags",
            ),
            index(
                doc! { "status": 1, "keys.city": 1, "keys.sort_time": -1 },
                "city",
            ),
            index(
                doc! { "organization_id": 1, "status": 1, "keys.sort_time": -1 },
                "organization",
            ),
            index(
                doc! { "submitted_by": 1, "status": 1, "keys.sort_time": -1 },
                "submitter",
            ),
        ])
        .await
        .map_err(mongo_error)?;
        Ok(Self {
            docs,
            deadline: MongoDeadline::default(),
        })
    }

    async fn counts(&self, pipeline: Vec<Document>) -> Result<Vec<FacetCount>, DomainError> {
        Ok(group_counts(&self.deadline, &self.docs, pipeline)
            .await?
            .into_iter()
            .map(|(value, count)| FacetCount { value, count })
            .collect())
    }

    fn facet_pipeline(q: &ListQuery, field: &str, unwind: bool) -> Vec<Document> {
        let mut stages = vec![doc! { "$match": filter(q) }];
        if unwind {
            stages.push(doc! { "$unwind": format!("${field}") });
        } else {
            stages.push(doc! { "$match": { field: { "$type": "string" } } });
        }
        stages.push(doc! { "$group": { "_id": format!("${field}"), "n": { "$sum": 1 } } });
        stages.push(doc! { "$sort": { "n": -1, "_id": 1 } });
        stages.push(doc! { "$limit": FACET_VALUES as i64 });
        stages
    }
}

#[async_trait]
impl UseCaseStore for MongoUseCaseStore {
    async fn insert(&self, doc: &UseCaseDoc) -> Result<(), DomainError> {
        self.docs
            .insert_one(to_document(doc)?)
            .within(&self.deadline)
            .await?;
        Ok(())
    }

    async fn insert_many(&self, docs: &[UseCaseDoc]) -> Result<(), DomainError> {
        for chunk in docs.chunks(1000) {
            let batch = chunk
                .iter()
                .map(to_document)
                .collect::<Result<Vec<_>, _>>()?;
            // A bulk load (benchmarks), not a request: no deadline.
            self.docs.insert_many(batch).await.map_err(mongo_error)?;
        }
        Ok(())
    }

    async fn get(&self, id: Uuid) -> Result<Option<UseCaseDoc>, DomainError> {
        self.docs
            .find_one(doc! { "_id": id.to_string() })
            .within(&self.deadline)
            .await?
            .map(from_document)
            .transpose()
    }

    async fn get_many(&self, ids: &[Uuid]) -> Result<Vec<UseCaseDoc>, DomainError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
        let rows: Vec<Document> = collect_all(
            &self.deadline,
            self.docs.find(doc! { "_id": { "$in": ids } }),
        )
        .await?;
        rows.into_iter().map(from_document).collect()
    }

    async fn replace(&self, doc: &UseCaseDoc) -> Result<bool, DomainError> {
        let mut set = to_document(doc)?;
        set.remove("_id");
        set.remove("view_count");
        let result = self
            .docs
            .update_one(
                doc! { "_id": doc.view.id.0.to_string() },
                doc! { "$set": set },
            )
            .within(&self.deadline)
            .await?;
        Ok(result.matched_count == 1)
    }

    async fn delete(&self, id: Uuid) -> Result<bool, DomainError> {
        let result = self
            .docs
            .delete_one(doc! { "_id": id.to_string() })
            .within(&self.deadline)
            .await?;
        Ok(result.deleted_count == 1)
    }

    async fn list(
        &self,
        q: &ListQuery,
        position: Option<Position>,
        limit: u64,
    ) -> Result<Vec<UseCaseDoc>, DomainError> {
        let field = sort_field(q.sort);
        let mut f = filter(q);
        if let Some(p) = position {
            // A range on the sort key bounds the index scan; the `$or` only
            // breaks ties on the id.
            f.insert(field, doc! { "$lte": p.v });
            f.insert(
                "$or",
                vec![
                    doc! { field: { "$lt": p.v } },
                    doc! { "id": { "$lt": p.id.to_string() } },
                ],
            );
        }
        let rows: Vec<Document> = collect_all(
            &self.deadline,
            self.docs
                .find(f)
                .sort(doc! { field: -1, "id": -1 })
                .limit(i64::try_from(limit).unwrap_or(i64::MAX)),
        )
        .await?;
        rows.into_iter().map(from_document).collect()
    }

    /// One cursor, sorted once by the server: MongoDB-compatible servers
    /// that sort in memory (SecantusDB) would redo the whole sort for every
    /// keyset page.
    async fn scan(&self, q: &ListQuery, batch: u64) -> Result<Option<DocStream>, DomainError> {
        let field = sort_field(q.sort);
        let cursor = self
            .docs
            .find(filter(q))
            .sort(doc! { field: -1, "id": -1 })
            .batch_size(u32::try_from(batch).unwrap_or(u32::MAX))
            .within(&self.deadline)
            .await?;
        Ok(Some(
            cursor
                .map(|row| row.map_err(mongo_error).and_then(from_document))
                .boxed(),
        ))
    }

    async fn facets(&self, q: &ListQuery) -> Result<Facets, DomainError> {
        // One grouped aggregation per facet.
        gather_facets(
            self.counts(Self::facet_pipeline(q, "keys.industry", false)),
            self.counts(Self::facet_pipeline(q, "keys.technology", true)),
            self.counts(Self::facet_pipeline(q, "keys.tags", true)),
            self.counts(Self::facet_pipeline(q, "keys.city", false)),
        )
        .await
    }

    async fn add_view(&self, id: Uuid) -> Result<(), DomainError> {
        self.docs
            .update_one(
                doc! { "_id": id.to_string() },
                doc! { "$inc": { "view_count": 1_i64 } },
            )
            .within(&self.deadline)
            .await?;
        Ok(())
    }

    async fn count_by_org(&self, org: Uuid) -> Result<u64, DomainError> {
        self.docs
            .count_documents(doc! {
                "organization_id": org.to_string(),
                "hidden": { "$ne": true },
            })
            .within(&self.deadline)
            .await
    }

    async fn published_per_day(
        &self,
        org: Uuid,
        since: time::Date,
    ) -> Result<Vec<DayCount>, DomainError> {
        // The publication times only (the `organization` index), bucketed
        // here: a window of days of one organization is small.
        let mut times = self
            .docs
            .find(doc! {
                "organization_id": org.to_string(),
                "status": Status::Published.as_str(),
                "hidden": { "$ne": true },
                "keys.sort_time": { "$gte": day_start_micros(since) },
            })
            .projection(doc! { "_id": 0, "keys.sort_time": 1 })
            .within(&self.deadline)
            .await?;
        let mut days: BTreeMap<i64, u64> = BTreeMap::new();
        while let Some(row) = times.try_next().within(&self.deadline).await? {
            let time = match row
                .get_document("keys")
                .ok()
                .and_then(|k| k.get("sort_time"))
            {
                Some(Bson::Int64(t)) => *t,
                Some(Bson::Int32(t)) => i64::from(*t),
                other => {
                    return Err(DomainError::corrupt(
                        "use case sort_time",
                        format_args!("{other:?}"),
                    ));
                }
            };
            *days.entry(time.div_euclid(DAY_MICROS)).or_default() += 1;
        }
        days.into_iter()
            .map(|(day, n)| DayCount::from_epoch_day("use cases per day", day, n))
            .collect()
    }
}
