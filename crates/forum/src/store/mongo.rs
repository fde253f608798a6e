//! Posts in MongoDB: one document per post in the `forum_posts` collection,
//! `_id` = the post's UUID string. The upvoter set lives in the document;
//! votes are single conditional updates (`upvoters: {$ne: user}` +
//! `$addToSet` + `$inc`), so they are idempotent and race-free.

use super::{
    DayCount, PostEdit, PostRecord, PostStore, Revision, Tombstone, TopicStats, VoteState,
};
use crate::timefmt::STORED;
use crate::types::AttachmentRef;
use async_trait::async_trait;
use mongodb::bson::{self, Bson, DateTime, Document, doc};
use mongodb::options::{IndexOptions, ReturnDocument};
use mongodb::{Collection, Database, IndexModel};
use p2p_kernel::DomainError;
use p2p_kernel::ids::{FileId, OrgId, PostId, TopicId, UserId};
use p2p_kernel::persistence::{bson_count, collect_all, group_counts, mongo_error, stored};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// The collection holding the posts.
pub const COLLECTION: &str = "forum_posts";

#[derive(Clone, Debug, Serialize, Deserialize)]
struct AttachmentDoc {
    file_id: String,
    filename: String,
    content_type: String,
    size: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct RevisionDoc {
    content: String,
    edited_at: DateTime,
    edited_by: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct PostDoc {
    #[serde(rename = "_id")]
    id: String,
    topic_id: String,
    organization_id: String,
    parent_id: Option<String>,
    author_id: String,
    thread_key: String,
    depth: i32,
    content: String,
    content_html: String,
    #[serde(default)]
    attachments: Vec<AttachmentDoc>,
    #[serde(default)]
    mentioned_user_ids: Vec<String>,
    /// Left out of reads by projection (it can be large).
    #[serde(default)]
    upvoters: Vec<String>,
    upvote_count: i64,
    is_best_answer: bool,
    /// Left out of reads by projection.
    #[serde(default)]
    revisions: Vec<RevisionDoc>,
    revision_count: i32,
    deleted: bool,
    #[serde(default)]
    hidden: bool,
    created_day: String,
    created_at: DateTime,
    updated_at: DateTime,
    edited_at: Option<DateTime>,
}

fn bdate(t: OffsetDateTime) -> DateTime {
    DateTime::from_millis(crate::timefmt::unix_ms(t))
}

fn odate(d: DateTime) -> Result<OffsetDateTime, DomainError> {
    crate::timefmt::from_unix_ms(d.timestamp_millis())
        .map(|t| STORED.truncate(t))
        .ok_or_else(|| DomainError::corrupt("date", d))
}

fn uuid(field: &str, s: &str) -> Result<Uuid, DomainError> {
    Uuid::parse_str(s).map_err(|e| DomainError::corrupt(field, e))
}

fn attachment_doc(a: &AttachmentRef) -> AttachmentDoc {
    AttachmentDoc {
        file_id: a.file_id.to_string(),
        filename: a.filename.clone(),
        content_type: a.content_type.clone(),
        size: i64::try_from(a.size).unwrap_or(i64::MAX),
    }
}

fn attachments_bson(list: &[AttachmentRef]) -> Result<Bson, DomainError> {
    let docs: Vec<AttachmentDoc> = list.iter().map(attachment_doc).collect();
    bson::to_bson(&docs).map_err(DomainError::internal)
}

fn ids_bson(ids: &[UserId]) -> Bson {
    Bson::Array(ids.iter().map(|u| Bson::String(u.to_string())).collect())
}

impl PostDoc {
    fn from_record(p: &PostRecord) -> Self {
        Self {
            id: p.id.to_string(),
            topic_id: p.topic_id.to_string(),
            organization_id: p.organization_id.to_string(),
            parent_id: p.parent_id.map(|id| id.to_string()),
            author_id: p.author_id.to_string(),
            thread_key: p.thread_key.clone(),
            depth: i32::try_from(p.depth).unwrap_or(i32::MAX),
            content: p.content.clone(),
            content_html: p.content_html.clone(),
            attachments: p.attachments.iter().map(attachment_doc).collect(),
            mentioned_user_ids: p.mentioned_user_ids.iter().map(|u| u.to_string()).collect(),
            upvoters: Vec::new(),
            upvote_count: i64::try_from(p.upvote_count).unwrap_or(i64::MAX),
            is_best_answer: p.is_best_answer,
            revisions: Vec::new(),
            revision_count: i32::try_from(p.revision_count).unwrap_or(i32::MAX),
            deleted: p.deleted,
            hidden: p.hidden,
            created_day: p.created_day.clone(),
            created_at: bdate(p.created_at),
            updated_at: bdate(p.updated_at),
            edited_at: p.edited_at.map(bdate),
        }
    }

    fn into_record(self) -> Result<PostRecord, DomainError> {
        let attachments = self
            .attachments
            .into_iter()
            .map(|a| {
                Ok(AttachmentRef {
                    file_id: FileId(uuid("attachment", &a.file_id)?),
                    filename: a.filename,
                    content_type: a.content_type,
                    size: stored("attachment size", a.size)?,
                })
            })
            .collect::<Result<Vec<_>, DomainError>>()?;
        let mentioned = self
            .mentioned_user_ids
            .iter()
            .map(|u| uuid("mention", u).map(UserId))
            .collect::<Result<Vec<_>, DomainError>>()?;
        Ok(PostRecord {
            id: PostId(uuid("post id", &self.id)?),
            topic_id: TopicId(uuid("topic id", &self.topic_id)?),
            organization_id: OrgId(uuid("organization id", &self.organization_id)?),
            parent_id: self
                .parent_id
                .as_deref()
                .map(|p| uuid("parent id", p).map(PostId))
                .transpose()?,
            author_id: UserId(uuid("author id", &self.author_id)?),
            thread_key: self.thread_key,
            depth: stored("post depth", self.depth)?,
            content: self.content,
            content_html: self.content_html,
            attachments,
            mentioned_user_ids: mentioned,
            upvote_count: stored("upvote count", self.upvote_count)?,
            is_best_answer: self.is_best_answer,
            deleted: self.deleted,
            hidden: self.hidden,
            revision_count: stored("revision count", self.revision_count)?,
            created_day: self.created_day,
            created_at: odate(self.created_at)?,
            updated_at: odate(self.updated_at)?,
            edited_at: self.edited_at.map(odate).transpose()?,
        })
    }
}

/// Reads are projected without the upvoter set and the revisions.
fn light() -> Document {
    doc! { "upvoters": 0, "revisions": 0 }
}

/// Posts in a MongoDB database.
#[derive(Clone)]
pub struct MongoPostStore {
    posts: Collection<PostDoc>,
    raw: Collection<Document>,
}

impl MongoPostStore {
    /// Uses the `forum_posts` collection of `db`; see [`Self::ensure_indexes`].
    pub fn new(db: &Database) -> Self {
        Self {
            posts: db.collection(COLLECTION),
            raw: db.collection(COLLECTION),
        }
    }

    /// [`Self::new`] and [`Self::ensure_indexes`].
    pub async fn init(db: &Database) -> Result<Self, DomainError> {
        let store = Self::new(db);
        store.ensure_indexes().await?;
        Ok(store)
    }

    /// The ids of the posts matching `filter`.
    async fn ids_where(&self, filter: Document) -> Result<Vec<PostId>, DomainError> {
        let docs: Vec<Document> =
            collect_all(self.raw.find(filter).projection(doc! { "_id": 1 })).await?;
        docs.iter()
            .map(|d| {
                let id = d
                    .get_str("_id")
                    .map_err(|e| DomainError::corrupt("post id", e))?;
                uuid("post id", id).map(PostId)
            })
            .collect()
    }

    /// Creates the indexes (idempotent): thread order `(topic_id, thread_key)`
    /// unique, `(topic_id, created_at, _id)`, and `(organization_id, created_day)`
    /// for statistics.
    pub async fn ensure_indexes(&self) -> Result<(), DomainError> {
        let index = |keys: Document, name: &str, unique: bool| {
            IndexModel::builder()
                .keys(keys)
                .options(
                    IndexOptions::builder()
                        .name(name.to_owned())
                        .unique(unique)
                        .build(),
                )
                .build()
        };
        self.raw
            .create_indexes([
                index(
                    doc! { "topic_id": 1, "thread_key": 1 },
                    "topic_thread",
                    true,
                ),
                index(
                    doc! { "topic_id": 1, "created_at": 1, "_id": 1 },
                    "topic_created",
                    false,
                ),
                index(
                    doc! { "organization_id": 1, "created_day": 1 },
                    "organization_day",
                    false,
                ),
            ])
            .await
            .map_err(mongo_error)?;
        Ok(())
    }

    /// Applies a vote's `update` to the post matching `filter`, in one
    /// atomic step; `None` when no post matched (the vote was already so,
    /// or there is no such post).
    async fn change_vote(
        &self,
        filter: Document,
        update: Document,
    ) -> Result<Option<VoteState>, DomainError> {
        let updated = self
            .raw
            .find_one_and_update(filter, update)
            .return_document(ReturnDocument::After)
            .projection(doc! { "upvote_count": 1 })
            .await
            .map_err(mongo_error)?;
        updated
            .map(|d| {
                Ok(VoteState {
                    changed: true,
                    upvote_count: bson_count(&d, "upvote_count")?,
                })
            })
            .transpose()
    }

    async fn vote_state(&self, id: PostId) -> Result<Option<(u64, bool)>, DomainError> {
        let found = self
            .raw
            .find_one(doc! { "_id": id.to_string() })
            .projection(doc! { "upvote_count": 1, "deleted": 1 })
            .await
            .map_err(mongo_error)?;
        found
            .map(|d| {
                Ok((
                    bson_count(&d, "upvote_count")?,
                    d.get_bool("deleted").unwrap_or(false),
                ))
            })
            .transpose()
    }
}

#[async_trait]
impl PostStore for MongoPostStore {
    async fn insert(&self, post: &PostRecord) -> Result<(), DomainError> {
        self.posts
            .insert_one(PostDoc::from_record(post))
            .await
            .map_err(mongo_error)?;
        Ok(())
    }

    async fn get_many(&self, ids: &[PostId]) -> Result<Vec<PostRecord>, DomainError> {
        let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let docs: Vec<PostDoc> = collect_all(
            self.posts
                .find(doc! { "_id": { "$in": ids } })
                .projection(light()),
        )
        .await?;
        docs.into_iter().map(PostDoc::into_record).collect()
    }

    async fn thread_page(
        &self,
        topic: TopicId,
        after: Option<&str>,
        limit: u64,
    ) -> Result<Vec<PostRecord>, DomainError> {
        let mut filter = doc! { "topic_id": topic.to_string() };
        if let Some(after) = after {
            filter.insert("thread_key", doc! { "$gt": after });
        }
        let docs: Vec<PostDoc> = collect_all(
            self.posts
                .find(filter)
                .sort(doc! { "thread_key": 1 })
                .limit(i64::try_from(limit).unwrap_or(i64::MAX))
                .projection(light()),
        )
        .await?;
        docs.into_iter().map(PostDoc::into_record).collect()
    }

    async fn upvoted_by(&self, user: UserId, posts: &[PostId]) -> Result<Vec<PostId>, DomainError> {
        if posts.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<Bson> = posts.iter().map(|p| Bson::String(p.to_string())).collect();
        self.ids_where(doc! { "_id": { "$in": ids }, "upvoters": user.to_string() })
            .await
    }

    async fn edit(
        &self,
        id: PostId,
        edit: &PostEdit,
        at: OffsetDateTime,
    ) -> Result<bool, DomainError> {
        let mut set = doc! {
            "content": &edit.content,
            "content_html": &edit.content_html,
            "mentioned_user_ids": ids_bson(&edit.mentioned_user_ids),
            "updated_at": bdate(at),
            "edited_at": bdate(at),
        };
        if let Some(attachments) = &edit.attachments {
            set.insert("attachments", attachments_bson(attachments)?);
        }
        let revision = doc! {
            "content": &edit.previous.content,
            "edited_at": bdate(edit.previous.edited_at),
            "edited_by": edit.previous.edited_by.to_string(),
        };
        let done = self
            .raw
            .update_one(
                doc! { "_id": id.to_string(), "deleted": false },
                doc! {
                    "$set": set,
                    "$push": { "revisions": revision },
                    "$inc": { "revision_count": 1 },
                },
            )
            .await
            .map_err(mongo_error)?;
        Ok(done.matched_count == 1)
    }

    async fn set_hidden(&self, id: PostId, hidden: bool) -> Result<bool, DomainError> {
        let done = self
            .raw
            .update_one(
                doc! { "_id": id.to_string() },
                doc! { "$set": { "hidden": hidden } },
            )
            .await
            .map_err(mongo_error)?;
        Ok(done.matched_count == 1)
    }

    async fn soft_delete(&self, id: PostId, t: &Tombstone) -> Result<bool, DomainError> {
        let done = self
            .raw
            .update_one(
                doc! { "_id": id.to_string() },
                doc! { "$set": {
                    "deleted": true,
                    "content": &t.content,
                    "content_html": &t.content_html,
                    "attachments": [],
                    "mentioned_user_ids": [],
                    "revisions": [],
                    "revision_count": 0,
                    "is_best_answer": false,
                    "updated_at": bdate(t.deleted_at),
                } },
            )
            .await
            .map_err(mongo_error)?;
        Ok(done.matched_count == 1)
    }

    async fn add_upvote(
        &self,
        id: PostId,
        user: UserId,
        _at: OffsetDateTime,
    ) -> Result<Option<VoteState>, DomainError> {
        let user = user.to_string();
        if let Some(state) = self
            .change_vote(
                doc! { "_id": id.to_string(), "deleted": false, "upvoters": { "$ne": &user } },
                doc! { "$addToSet": { "upvoters": &user }, "$inc": { "upvote_count": 1 } },
            )
            .await?
        {
            return Ok(Some(state));
        }
        Ok(match self.vote_state(id).await? {
            Some((count, false)) => Some(VoteState {
                changed: false,
                upvote_count: count,
            }),
            _ => None,
        })
    }

    async fn remove_upvote(
        &self,
        id: PostId,
        user: UserId,
    ) -> Result<Option<VoteState>, DomainError> {
        let user = user.to_string();
        if let Some(state) = self
            .change_vote(
                doc! { "_id": id.to_string(), "upvoters": &user },
                doc! { "$pull": { "upvoters": &user }, "$inc": { "upvote_count": -1 } },
            )
            .await?
        {
            return Ok(Some(state));
        }
        Ok(self.vote_state(id).await?.map(|(count, _)| VoteState {
            changed: false,
            upvote_count: count,
        }))
    }

    async fn set_best_answer(
        &self,
        topic: TopicId,
        answer: Option<PostId>,
    ) -> Result<(), DomainError> {
        let mut clear = doc! { "topic_id": topic.to_string(), "is_best_answer": true };
        if let Some(answer) = answer {
            clear.insert("_id", doc! { "$ne": answer.to_string() });
        }
        self.raw
            .update_many(clear, doc! { "$set": { "is_best_answer": false } })
            .await
            .map_err(mongo_error)?;
        if let Some(answer) = answer {
            self.raw
                .update_one(
                    doc! { "_id": answer.to_string(), "topic_id": topic.to_string() },
                    doc! { "$set": { "is_best_answer": true } },
                )
                .await
                .map_err(mongo_error)?;
        }
        Ok(())
    }

    async fn revisions(&self, id: PostId) -> Result<Vec<Revision>, DomainError> {
        let found = self
            .raw
            .find_one(doc! { "_id": id.to_string() })
            .projection(doc! { "revisions": 1 })
            .await
            .map_err(mongo_error)?;
        let Some(d) = found else {
            return Ok(Vec::new());
        };
        let list = match d.get("revisions") {
            Some(b) => bson::from_bson::<Vec<RevisionDoc>>(b.clone())
                .map_err(|e| DomainError::corrupt("revisions", e))?,
            None => Vec::new(),
        };
        list.into_iter()
            .map(|r| {
                Ok(Revision {
                    content: r.content,
                    edited_at: odate(r.edited_at)?,
                    edited_by: UserId(uuid("editor id", &r.edited_by)?),
                })
            })
            .collect()
    }

    async fn topic_stats(&self, topic: TopicId) -> Result<TopicStats, DomainError> {
        let pipeline = [
            doc! { "$match": { "topic_id": topic.to_string(), "deleted": false } },
            doc! { "$group": {
                "_id": Bson::Null,
                "posts": { "$sum": 1 },
                "upvotes": { "$sum": "$upvote_count" },
                "last": { "$max": "$created_at" },
                "authors": { "$addToSet": "$author_id" },
            } },
        ];
        let docs: Vec<Document> = collect_all(self.raw.aggregate(pipeline)).await?;
        let Some(d) = docs.first() else {
            return Ok(TopicStats::default());
        };
        Ok(TopicStats {
            posts: bson_count(d, "posts")?,
            participants: d.get_array("authors").map(|a| a.len() as u64).unwrap_or(0),
            upvotes: bson_count(d, "upvotes")?,
            last_post_at: d.get_datetime("last").ok().map(|t| odate(*t)).transpose()?,
        })
    }

    async fn posts_with_attachments(&self, topic: TopicId) -> Result<Vec<PostId>, DomainError> {
        self.ids_where(doc! { "topic_id": topic.to_string(), "attachments.0": { "$exists": true } })
            .await
    }

    async fn delete_topic(&self, topic: TopicId) -> Result<u64, DomainError> {
        let done = self
            .raw
            .delete_many(doc! { "topic_id": topic.to_string() })
            .await
            .map_err(mongo_error)?;
        Ok(done.deleted_count)
    }

    async fn count_for_org(&self, org: OrgId) -> Result<u64, DomainError> {
        self.raw
            .count_documents(doc! { "organization_id": org.to_string(), "deleted": false })
            .await
            .map_err(mongo_error)
    }

    async fn daily_for_org(
        &self,
        org: OrgId,
        since_day: &str,
    ) -> Result<Vec<DayCount>, DomainError> {
        let pipeline = [
            doc! { "$match": {
                "organization_id": org.to_string(),
                "deleted": false,
                "created_day": { "$gte": since_day },
            } },
            doc! { "$group": { "_id": "$created_day", "n": { "$sum": 1 } } },
            doc! { "$sort": { "_id": 1 } },
        ];
        Ok(group_counts(&self.raw, pipeline)
            .await?
            .into_iter()
            .map(|(day, count)| DayCount { day, count })
            .collect())
    }
}
