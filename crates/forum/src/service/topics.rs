//! Topics: list, create, read, edit, delete, pin, lock.

use super::effects::{
    POST_CREATED, TOPIC_CREATED, TopicCreated, post_created_event, topic_created_event,
};
use super::hide::{post_visible, topic_visible};
use super::posts::{Placement, new_record};
use super::{Forum, TopicRefs, require_author_or_admin, topic_channel, topic_view};
use crate::store::thread_segment;
use crate::topic_store::{TopicCursor, TopicQuery, TopicRecord};
use crate::trending;
use crate::types::{
    NewTopic, TopicDetail, TopicFilter, TopicPatch, TopicSort, TopicView, TopicWithFirstPost,
};
use crate::validate::{self, category_key, normalize_tag, query_words};
use p2p_kernel::day_count::day_key;
use p2p_kernel::ids::{PostId, TopicId};
use p2p_kernel::outbox::events::NewEvent;
use p2p_kernel::ports::{AuditAction, HiddenFilter};
use p2p_kernel::{Actor, DomainError, Page, PageRequest};
use serde_json::json;

/// The channel every new topic is announced on.
pub const FORUM_CHANNEL: &str = "forum";

impl Forum {
    /// See [`crate::ForumService::list_topics`].
    pub(crate) async fn list_topics(
        &self,
        actor: &Actor,
        filter: TopicFilter,
        page: PageRequest,
    ) -> Result<Page<TopicView>, DomainError> {
        let cursor: Option<TopicCursor> = page.position()?;
        let q = TopicQuery {
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
            author: filter.author_id,
            words: filter.q.as_deref().map(query_words).unwrap_or_default(),
            sort: filter.sort,
            hidden: HiddenFilter::for_viewer(actor),
        };
        let rows = if q.sort == TopicSort::Trending {
            let (rows, at) = trending::page(
                self.topics(),
                &q,
                cursor.as_ref(),
                self.now(),
                page.fetch_limit(),
            )
            .await?;
            Page::from_rows(rows, &page, |r| trending::cursor(r, at))
        } else {
            let rows = self
                .topics()
                .list(&q, cursor.as_ref(), page.fetch_limit())
                .await?;
            Page::from_rows(rows, &page, |r| TopicCursor::of(r, q.sort))
        };
        let users = self.summaries(rows.items.iter().map(|r| r.author_id)).await;
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
        let attachments = self
            .attach_files(actor, post_id, &clean.attachments)
            .await?;
        let place = Placement {
            id: post_id,
            topic_id,
            parent_id: None,
            thread_key: thread_segment(post_id, now),
            depth: 0,
        };
        let record = new_record(actor, place, &rendered, mentions, attachments, now);
        let row = TopicRecord {
            id: topic_id,
            organization_id: actor.org_id,
            author_id: actor.user_id,
            title: clean.title.clone(),
            category: clean.category.clone(),
            category_key: clean.category.as_deref().map(category_key),
            tags: clean.tags,
            pinned: false,
            locked: false,
            hidden: false,
            post_count: 1,
            reply_count: 0,
            upvote_count: 0,
            participant_count: 1,
            trending_score: 0.0,
            last_activity_at: now,
            first_post_id: post_id,
            best_answer_post_id: None,
            excerpt: rendered.excerpt(),
            search_text: rendered.search_text(&clean.title),
            created_day: day_key(now.date()),
            created_at: now,
            updated_at: now,
        };
        let outbox = self.outbox().cloned();
        let event = match outbox {
            Some(_) => Some(NewEvent::new(
                topic_channel(topic_id),
                TOPIC_CREATED,
                &TopicCreated { topic_id },
            )?),
            None => None,
        };
        let stored = self
            .topics()
            .create(&row, self.posts(), &record, event.as_ref())
            .await;
        if let Err(e) = stored {
            if let Err(cleanup) = self.posts().delete_topic(topic_id).await {
                tracing::warn!(error = %cleanup, %topic_id, "orphan first post left behind");
            }
            self.release_post_files(post_id).await;
            return Err(e);
        }
        if let Some(link) = &outbox {
            link.wake.notify_one();
        }
        let users = self.summaries([actor.user_id]).await;
        let topic = topic_view(&row, &users);
        let first_post = self.post_view(record, &users, false, TopicRefs::of(&row));
        match &outbox {
            // Live at once; what fails here, the outbox handler publishes.
            Some(link) => {
                let events = [topic_created_event(&topic), post_created_event(&first_post)];
                for event in events.into_iter().flatten() {
                    let _ = link.fanout.publish(event).await;
                }
            }
            None => {
                self.publish(FORUM_CHANNEL.to_owned(), TOPIC_CREATED, &topic)
                    .await;
                self.publish(topic_channel(topic_id), POST_CREATED, &first_post)
                    .await;
                if let Err(e) = self.notify_post(actor.user_id, &row, &first_post).await {
                    tracing::warn!(error = %e, "notifications of a new topic not created");
                }
            }
        }
        Ok(TopicWithFirstPost { topic, first_post })
    }

    /// See [`crate::ForumService::get_topic`].
    pub(crate) async fn get_topic(
        &self,
        actor: &Actor,
        id: TopicId,
        page: PageRequest,
    ) -> Result<TopicDetail, DomainError> {
        let row = self.find_topic(id).await?;
        if !topic_visible(actor, &row) {
            return Err(DomainError::not_found("topic"));
        }
        let after: Option<String> = page.position()?;
        let records = self
            .posts()
            .thread_page(id, after.as_deref(), page.fetch_limit())
            .await?;
        let mut records = Page::from_rows(records, &page, |p| p.thread_key.clone());
        records.items.retain(|p| post_visible(actor, p));
        let ids: Vec<PostId> = records.items.iter().map(|p| p.id).collect();
        let upvoted = self.posts().upvoted_by(actor.user_id, &ids).await?;
        let users = self
            .summaries(
                records
                    .items
                    .iter()
                    .map(|p| p.author_id)
                    .chain([row.author_id]),
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
        require_author_or_admin(actor, row.author_id, row.organization_id)?;
        if clean.title.is_none() && clean.category.is_none() && clean.tags.is_none() {
            drop(guard);
            let users = self.summaries([row.author_id]).await;
            return Ok(topic_view(&row, &users));
        }
        if let Some(title) = clean.title {
            let body = row
                .search_text
                .split_once('\n')
                .map_or(String::new(), |(_, body)| body.to_owned());
            row.search_text = format!("{}\n{}", title.to_lowercase(), body);
            row.title = title;
        }
        if let Some(category) = clean.category {
            row.category_key = category.as_deref().map(category_key);
            row.category = category;
        }
        let tags_changed = clean.tags.is_some();
        if let Some(tags) = clean.tags {
            row.tags = tags;
        }
        row.updated_at = self.now();
        if tags_changed {
            guard.save_with_tags(&row).await?;
        } else {
            guard.save(&row).await?;
        }
        guard.commit().await?;
        self.announce_topic(&row).await
    }

    /// See [`crate::ForumService::delete_topic`].
    pub(crate) async fn delete_topic(&self, actor: &Actor, id: TopicId) -> Result<(), DomainError> {
        let (mut guard, row) = self.lock_topic(id).await?;
        require_author_or_admin(actor, row.author_id, row.organization_id)?;
        let with_files = self.posts().posts_with_attachments(id).await?;
        self.posts().delete_topic(id).await?;
        guard.delete().await?;
        guard.commit().await?;
        self.release_posts_files(&with_files).await;
        self.publish(topic_channel(id), "topic.deleted", &json!({ "id": id }))
            .await;
        let author = (row.author_id, row.organization_id);
        let details = json!({ "title": row.title });
        self.record_deletion(actor, author, ("topic", id), details)
            .await
    }

    /// See [`crate::ForumService::set_pinned`].
    pub(crate) async fn set_pinned(
        &self,
        actor: &Actor,
        id: TopicId,
        pinned: bool,
    ) -> Result<TopicView, DomainError> {
        let actions = (AuditAction::TopicPinned, AuditAction::TopicUnpinned);
        self.set_flag(actor, id, |m| &mut m.pinned, (pinned, actions))
            .await
    }

    /// See [`crate::ForumService::set_locked`].
    pub(crate) async fn set_locked(
        &self,
        actor: &Actor,
        id: TopicId,
        locked: bool,
    ) -> Result<TopicView, DomainError> {
        let actions = (AuditAction::TopicLocked, AuditAction::TopicUnlocked);
        self.set_flag(actor, id, |m| &mut m.locked, (locked, actions))
            .await
    }

    async fn set_flag(
        &self,
        actor: &Actor,
        id: TopicId,
        flag: impl Fn(&mut TopicRecord) -> &mut bool,
        (value, (on, off)): (bool, (AuditAction, AuditAction)),
    ) -> Result<TopicView, DomainError> {
        let (mut guard, mut row) = self.lock_topic(id).await?;
        actor.require_org_admin(row.organization_id)?;
        if *flag(&mut row) != value {
            *flag(&mut row) = value;
            row.updated_at = self.now();
            guard.save(&row).await?;
            guard.commit().await?;
            let action = if value { on } else { off };
            let details = json!({ "title": row.title });
            self.record(actor, row.organization_id, action, ("topic", id), details)
                .await?;
            self.announce_topic(&row).await
        } else {
            drop(guard);
            let users = self.summaries([row.author_id]).await;
            Ok(topic_view(&row, &users))
        }
    }

    /// The topic's view, announced as `topic.updated`.
    pub(super) async fn announce_topic(&self, row: &TopicRecord) -> Result<TopicView, DomainError> {
        let users = self.summaries([row.author_id]).await;
        let view = topic_view(row, &users);
        self.publish(topic_channel(row.id), "topic.updated", &view)
            .await;
        Ok(view)
    }
}
