//! Posts in MongoDB: one document per post in the `forum_posts` collection,
//! `_id` = the post's UUID string. The upvoter set lives in the document;
//! votes are single conditional updates (`upvoters: {$ne: user}` +
//! `$addToSet` + `$inc`), so they are idempotent and race-free.

use super::{PostEdit, PostRecord, PostStore, Revision, Tombstone, TopicStats, VoteState};
use async_trait::async_trait;
use mongodb::bson::{self, Bson, Document, doc};
use mongodb::options::{IndexOptions, ReturnDocument};
use mongodb::{Collection, Database, IndexModel};
use p2p_kernel::ids::{OrgId, PostId, TopicId, UserId};
use p2p_kernel::persistence::{
    MongoDeadline, WithinDeadline, bson_count, collect_all, group_counts, mongo_error,
};
use p2p_kernel::{DayCount, DomainError, day_count::day_key};
use time::{Date, OffsetDateTime};

/// The collection holding the posts.
pub const COLLECTION: &str = "forum_posts";

mod doc;

use doc::{PostDoc, RevisionDoc, attachments_bson, bdate, ids_bson, light, odate, uuid};

/// Posts in a MongoDB database.
#[derive(Clone)]
pub struct MongoPostStore {
    posts: Collection<PostDoc>,
    raw: Collection<Document>,
    deadline: MongoDeadline,
}

impl MongoPostStore {
    /// Uses the `forum_posts` collection of `db`, each operation within the
    /// default [`MongoDeadline`]; see [`Self::ensure_indexes`].
    pub fn new(db: &Database) -> Self {
        Self {
            posts: db.collection(COLLECTION),
            raw: db.collection(COLLECTION),
            deadline: MongoDeadline::default(),
        }
    }

    /// The same store with each operation within `deadline`.
    pub fn with_deadline(mut self, deadline: MongoDeadline) -> Self {
        self.deadline = deadline;
        self
    }

    /// [`Self::new`] and [`Self::ensure_indexes`].
    pub async fn init(db: &Database) -> Result<Self, DomainError> {
        let store = Self::new(db);
        store.ensure_indexes().await?;
        Ok(store)
    }

    /// The ids of the posts matching `filter`.
    async fn ids_where(&self, filter: Document) -> Result<Vec<PostId>, DomainError> {
        let docs: Vec<Document> = collect_all(
            &self.deadline,
            self.raw.find(filter).projection(doc! { "_id": 1 }),
        )
        .await?;
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
    /// unique, `(topic_id, created_at, _id)`, `(organization_id, created_day)`
    /// for statistics and `(author_id, _id)` for an author's posts.
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
                index(doc! { "author_id": 1, "_id": 1 }, "author", false),
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
            .within(&self.deadline)
            .await?;
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
            .within(&self.deadline)
            .await?;
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

/// The filter of the posts of `org`'s members that everyone sees (see
/// [`PostStore::count_for_org`]).
fn visible_of(org: OrgId, hidden_topics: &[TopicId]) -> Document {
    let mut f = doc! {
        "organization_id": org.to_string(),
        "deleted": false,
        "hidden": { "$ne": true },
    };
    if !hidden_topics.is_empty() {
        let topics: Vec<String> = hidden_topics.iter().map(ToString::to_string).collect();
        f.insert("topic_id", doc! { "$nin": topics });
    }
    f
}

#[async_trait]
impl PostStore for MongoPostStore {
    async fn insert(&self, post: &PostRecord) -> Result<(), DomainError> {
        self.posts
            .insert_one(PostDoc::from_record(post))
            .within(&self.deadline)
            .await?;
        Ok(())
    }

    async fn get_many(&self, ids: &[PostId]) -> Result<Vec<PostRecord>, DomainError> {
        let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let docs: Vec<PostDoc> = collect_all(
            &self.deadline,
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
            &self.deadline,
            self.posts
                .find(filter)
                .sort(doc! { "thread_key": 1 })
                .limit(i64::try_from(limit).unwrap_or(i64::MAX))
                .projection(light()),
        )
        .await?;
        docs.into_iter().map(PostDoc::into_record).collect()
    }

    async fn by_author(
        &self,
        author: UserId,
        after: Option<PostId>,
        limit: u64,
    ) -> Result<Vec<PostRecord>, DomainError> {
        let mut filter = doc! { "author_id": author.to_string(), "deleted": false };
        if let Some(after) = after {
            // Hyphenated lower-case UUIDs sort as text in id order.
            filter.insert("_id", doc! { "$gt": after.to_string() });
        }
        let docs: Vec<PostDoc> = collect_all(
            &self.deadline,
            self.posts
                .find(filter)
                .sort(doc! { "_id": 1 })
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
            .within(&self.deadline)
            .await?;
        Ok(done.matched_count == 1)
    }

    async fn set_hidden(&self, id: PostId, hidden: bool) -> Result<bool, DomainError> {
        let done = self
            .raw
            .update_one(
                doc! { "_id": id.to_string() },
                doc! { "$set": { "hidden": hidden } },
            )
            .within(&self.deadline)
            .await?;
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
            .within(&self.deadline)
            .await?;
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
            .within(&self.deadline)
            .await?;
        if let Some(answer) = answer {
            self.raw
                .update_one(
                    doc! { "_id": answer.to_string(), "topic_id": topic.to_string() },
                    doc! { "$set": { "is_best_answer": true } },
                )
                .within(&self.deadline)
                .await?;
        }
        Ok(())
    }

    async fn revisions(&self, id: PostId) -> Result<Vec<Revision>, DomainError> {
        let found = self
            .raw
            .find_one(doc! { "_id": id.to_string() })
            .projection(doc! { "revisions": 1 })
            .within(&self.deadline)
            .await?;
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
        let docs: Vec<Document> = collect_all(&self.deadline, self.raw.aggregate(pipeline)).await?;
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
            .within(&self.deadline)
            .await?;
        Ok(done.deleted_count)
    }

    async fn count_for_org(
        &self,
        org: OrgId,
        hidden_topics: &[TopicId],
    ) -> Result<u64, DomainError> {
        self.raw
            .count_documents(visible_of(org, hidden_topics))
            .within(&self.deadline)
            .await
    }

    async fn daily_for_org(
        &self,
        org: OrgId,
        since: Date,
        hidden_topics: &[TopicId],
    ) -> Result<Vec<DayCount>, DomainError> {
        let mut matching = visible_of(org, hidden_topics);
        matching.insert("created_day", doc! { "$gte": day_key(since) });
        let pipeline = [
            doc! { "$match": matching },
            doc! { "$group": { "_id": "$created_day", "n": { "$sum": 1 } } },
            doc! { "$sort": { "_id": 1 } },
        ];
        group_counts(&self.deadline, &self.raw, pipeline)
            .await?
            .into_iter()
            .map(|(day, count)| DayCount::from_key("posts per day", &day, count))
            .collect()
    }
}
