//! Topics: list, create, read, edit, delete, pin, lock.

use super::{Forum, TopicRefs, require_author_or_admin, topic_channel, topic_view};
use crate::repo::entity::topic;
use crate::repo::list::{ListQuery, TopicCursor, list};
use crate::repo::{self, TopicRow};
use crate::store::{PostRecord, thread_segment};
use crate::timefmt::day;
use crate::trending;
use crate::types::{NewTopic, TopicDetail, TopicFilter, TopicPatch, TopicView, TopicWithFirstPost};
use crate::validate::{self, category_key, normalize_tag, query_words};
use p2p_kernel::ids::{PostId, TopicId, UserId};
use p2p_kernel::persistence::begin_write;
use p2p_kernel::persistence::db_error;
use p2p_kernel::{Actor, DomainError, Page, PageRequest};
use serde_json::json;

/// The channel every new topic is announced on.
pub const FORUM_CHANNEL: &str = "forum";

impl Forum {
    /// See [`crate::ForumService::list_topics`].
    pub(crate) async fn list_topics(
        &self,
        _actor: &Actor,
        filter: TopicFilter,
        page: PageRequest,
    ) -> Result<Page<TopicView>, DomainError> {
        let cursor: Option<TopicCursor> = page.position()?;
        let q = ListQuery {
            category_key: filter
                .category
                .as_deref()
                .map(category_key)
                .filter(|c| !c.is_empty()),
            tag: filter
                .tag
                .as_deref()
                .map(normalize_tag)
                .filter(|t| !t.is_empty()),
            author: filter.author_id.map(|a| a.0),
            words: filter.q.as_deref().map(query_words).unwrap_or_default(),
            sort: filter.sort,
        };
        let rows = list(self.db(), &q, cursor.as_ref(), page.fetch_limit()).await?;
        let rows = Page::from_rows(rows, &page, |r| TopicCursor::of(r, q.sort));
        let users = self
            .summaries(rows.items.iter().map(|r| UserId(r.m.author_id)))
            .await;
        Ok(rows.map(|r| topic_view(&r, &users)))
    }

    /// See [`crate::ForumService::create_topic`].
    pub(crate) async fn create_topic(
        &self,
        actor: &Actor,
        input: NewTopic,
    ) -> Result<TopicWithFirstPost, DomainError> {
        let clean = validate::new_topic(input)?;
        let rendered = self.render(&clean.content);
        let mentions = self.resolve_mentions(actor, &rendered.mentions).await;
        let now = self.now();
        let topic_id = TopicId::new();
        let post_id = PostId::new();
        let record = PostRecord {
            id: post_id,
            topic_id,
            organization_id: actor.org_id,
            parent_id: None,
            author_id: actor.user_id,
            thread_key: thread_segment(post_id, now),
            depth: 0,
            content: rendered.source.clone(),
            content_html: rendered.html.clone(),
            attachments: self
                .attach_files(actor, post_id, &clean.attachments)
                .await?,
            mentioned_user_ids: mentions,
            upvote_count: 0,
            is_best_answer: false,
            deleted: false,
            revision_count: 0,
            created_day: day(now.date()),
            created_at: now,
            updated_at: now,
            edited_at: None,
        };
        let model = topic::Model {
            id: topic_id.0,
            organization_id: actor.org_id.0,
            author_id: actor.user_id.0,
            title: clean.title.clone(),
            category: clean.category.clone(),
            category_key: clean.category.as_deref().map(category_key),
            tags: String::new(),
            pinned: false,
            locked: false,
            post_count: 1,
            reply_count: 0,
            upvote_count: 0,
            participant_count: 1,
            trending_score: trending::score(0.0, now),
            last_activity_at: now,
            first_post_id: post_id.0,
            best_answer_post_id: None,
            excerpt: rendered.excerpt(),
            search_text: rendered.search_text(&clean.title),
            created_day: day(now.date()),
            created_at: now,
            updated_at: now,
        };
        // The post first: the topic becomes visible (in one commit) only once
        // its first post exists.
        if let Err(e) = self.posts().insert(&record).await {
            self.release_post_files(post_id).await;
            return Err(e);
        }
        if let Err(e) = self.insert_topic(&model, &clean.tags).await {
            if let Err(cleanup) = self.posts().delete_topic(topic_id).await {
                tracing::warn!(error = %cleanup, %topic_id, "orphan first post left behind");
            }
            self.release_post_files(post_id).await;
            return Err(e);
        }
        let row = TopicRow {
            m: model,
            tags: clean.tags,
        };
        let users = self.summaries([actor.user_id]).await;
        let topic = topic_view(&row, &users);
        let first_post = self.post_view(record, &users, false, TopicRefs::of(&row));
        self.publish(FORUM_CHANNEL.to_owned(), "topic.created", &topic)
            .await;
        self.publish(topic_channel(topic_id), "post.created", &first_post)
            .await;
        self.notify_post(actor, &row, &first_post).await;
        Ok(TopicWithFirstPost { topic, first_post })
    }

    async fn insert_topic(&self, model: &topic::Model, tags: &[String]) -> Result<(), DomainError> {
        let txn = begin_write(self.db()).await?;
        repo::insert(&txn, model, tags).await?;
        txn.commit().await.map_err(db_error)
    }

    /// See [`crate::ForumService::get_topic`].
    pub(crate) async fn get_topic(
        &self,
        actor: &Actor,
        id: TopicId,
        page: PageRequest,
    ) -> Result<TopicDetail, DomainError> {
        let row = repo::find(self.db(), id)
            .await?
            .ok_or_else(|| DomainError::not_found("topic"))?;
        let after: Option<String> = page.position()?;
        let records = self
            .posts()
            .thread_page(id, after.as_deref(), page.fetch_limit())
            .await?;
        let records = Page::from_rows(records, &page, |p| p.thread_key.clone());
        let ids: Vec<PostId> = records.items.iter().map(|p| p.id).collect();
        let upvoted = self.posts().upvoted_by(actor.user_id, &ids).await?;
        let users = self
            .summaries(
                records
                    .items
                    .iter()
                    .map(|p| p.author_id)
                    .chain([UserId(row.m.author_id)]),
            )
            .await;
        let refs = TopicRefs::of(&row);
        Ok(TopicDetail {
            topic: topic_view(&row, &users),
            posts: records.map(|p| {
                let mine = upvoted.contains(&p.id);
                self.post_view(p, &users, mine, refs)
            }),
        })
    }

    /// See [`crate::ForumService::update_topic`].
    pub(crate) async fn update_topic(
        &self,
        actor: &Actor,
        id: TopicId,
        patch: TopicPatch,
    ) -> Result<TopicView, DomainError> {
        let clean = validate::topic_patch(patch)?;
        let (mut guard, mut row) = self.lock_topic(id).await?;
        require_author_or_admin(actor, UserId(row.m.author_id), row.org())?;
        if clean.title.is_none() && clean.category.is_none() && clean.tags.is_none() {
            drop(guard);
            let users = self.summaries([UserId(row.m.author_id)]).await;
            return Ok(topic_view(&row, &users));
        }
        if let Some(title) = clean.title {
            let body = row
                .m
                .search_text
                .split_once('\n')
                .map_or(String::new(), |(_, body)| body.to_owned());
            row.m.search_text = format!("{}\n{}", title.to_lowercase(), body);
            row.m.title = title;
        }
        if let Some(category) = clean.category {
            row.m.category_key = category.as_deref().map(category_key);
            row.m.category = category;
        }
        let tags_changed = clean.tags.is_some();
        if let Some(tags) = clean.tags {
            row.tags = tags;
        }
        row.m.updated_at = self.now();
        let txn = guard.txn(self.db()).await?;
        repo::save(txn, &row).await?;
        if tags_changed {
            repo::save_tags(txn, id, &row.tags).await?;
        }
        guard.commit().await?;
        self.announce_topic(&row).await
    }

    /// See [`crate::ForumService::delete_topic`].
    pub(crate) async fn delete_topic(&self, actor: &Actor, id: TopicId) -> Result<(), DomainError> {
        let (mut guard, row) = self.lock_topic(id).await?;
        require_author_or_admin(actor, UserId(row.m.author_id), row.org())?;
        let with_files = self.posts().posts_with_attachments(id).await?;
        self.posts().delete_topic(id).await?;
        let txn = guard.txn(self.db()).await?;
        repo::delete(txn, id).await?;
        guard.commit().await?;
        self.release_posts_files(&with_files).await;
        self.publish(topic_channel(id), "topic.deleted", &json!({ "id": id }))
            .await;
        Ok(())
    }

    /// See [`crate::ForumService::set_pinned`].
    pub(crate) async fn set_pinned(
        &self,
        actor: &Actor,
        id: TopicId,
        pinned: bool,
    ) -> Result<TopicView, DomainError> {
        self.set_flag(actor, id, |m| &mut m.pinned, pinned).await
    }

    /// See [`crate::ForumService::set_locked`].
    pub(crate) async fn set_locked(
        &self,
        actor: &Actor,
        id: TopicId,
        locked: bool,
    ) -> Result<TopicView, DomainError> {
        self.set_flag(actor, id, |m| &mut m.locked, locked).await
    }

    async fn set_flag(
        &self,
        actor: &Actor,
        id: TopicId,
        flag: impl Fn(&mut topic::Model) -> &mut bool,
        value: bool,
    ) -> Result<TopicView, DomainError> {
        let (mut guard, mut row) = self.lock_topic(id).await?;
        actor.require_org_admin(row.org())?;
        if *flag(&mut row.m) != value {
            *flag(&mut row.m) = value;
            row.m.updated_at = self.now();
            let txn = guard.txn(self.db()).await?;
            repo::save(txn, &row).await?;
            guard.commit().await?;
            self.announce_topic(&row).await
        } else {
            drop(guard);
            let users = self.summaries([UserId(row.m.author_id)]).await;
            Ok(topic_view(&row, &users))
        }
    }

    /// The topic's view, announced as `topic.updated`.
    pub(super) async fn announce_topic(&self, row: &TopicRow) -> Result<TopicView, DomainError> {
        let users = self.summaries([UserId(row.m.author_id)]).await;
        let view = topic_view(row, &users);
        self.publish(topic_channel(row.id()), "topic.updated", &view)
            .await;
        Ok(view)
    }
}
