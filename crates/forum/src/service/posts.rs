//! Posts: reply, read, edit (revisions kept), delete (tombstone).

use super::answers::forget_deleted_answer;
use super::effects::{POST_CREATED, PostCreated, post_created_event};
use super::hide::{post_visible, topic_visible};
use super::{Forum, MAX_DEPTH, TopicGuard, TopicRefs, require_author_or_admin, topic_channel};
use crate::markdown::Rendered;
use crate::store::{PostEdit, PostRecord, Revision, Tombstone, thread_segment};
use crate::topic_store::TopicRecord;
use crate::types::{AttachmentRef, NewPost, PostPatch, PostView, RevisionView};
use crate::validate;
use p2p_kernel::Code;
use p2p_kernel::FieldCode;
use p2p_kernel::FieldError;
use p2p_kernel::day_count::day_key;
use p2p_kernel::ids::{FileId, PostId, TopicId, UserId};
use p2p_kernel::{Actor, DomainError, ErrorKind};
use serde_json::json;
use std::time::Duration;
use time::OffsetDateTime;

/// What a deleted post shows instead of its content.
pub const TOMBSTONE: &str = "[deleted]";

impl Forum {
    /// See [`crate::ForumService::create_post`].
    pub(crate) async fn create_post(
        &self,
        actor: &Actor,
        topic_id: TopicId,
        input: NewPost,
    ) -> Result<PostView, DomainError> {
        let clean = validate::new_post(&input)?;
        let rendered = self.render(&clean.content);
        let mentions = self.resolve_mentions(actor, &rendered.mentions).await;
        let (guard, mut row) = self.lock_topic(topic_id).await?;
        if row.locked {
            return Err(DomainError::conflict(
                Code::TopicLocked,
                "the topic is locked and takes no new posts",
            ));
        }
        let now = self.now();
        let id = PostId::new();
        let segment = thread_segment(id, now);
        let (thread_key, depth) = match input.parent_id {
            None => (segment, 0),
            Some(parent_id) => {
                let parent = self
                    .posts()
                    .get(parent_id)
                    .await?
                    .filter(|p| p.topic_id == topic_id)
                    .ok_or_else(|| {
                        DomainError::not_found("parent post").with_fields(vec![FieldError::new(
                            "parent_id",
                            FieldCode::InvalidParent,
                            "the parent post is not in this topic",
                        )])
                    })?;
                if parent.depth >= MAX_DEPTH {
                    return Err(DomainError::validation(vec![
                        FieldError::new(
                            "parent_id",
                            FieldCode::TooDeep,
                            format!("replies nest at most {MAX_DEPTH} levels deep"),
                        )
                        .with_limit(MAX_DEPTH as usize),
                    ]));
                }
                (format!("{}{segment}", parent.thread_key), parent.depth + 1)
            }
        };
        let attachments = self
            .attach_files(actor, id, clean.attachments.as_deref().unwrap_or_default())
            .await?;
        let place = Placement {
            id,
            topic_id,
            parent_id: input.parent_id,
            thread_key,
            depth,
        };
        let record = new_record(actor, place, &rendered, mentions, attachments, now);
        // Read-your-writes: the author's next read of the topic counts this
        // post; what follows the commit recounts it exactly (participants too).
        raise_counts(&mut row, now);
        if let Err(e) = self.commit_post(guard, &row, &record).await {
            self.release_post_files(id).await;
            if self.outbox().is_none() {
                let _ = self.recount(topic_id).await;
            }
            return Err(e);
        }
        let created = PostCreated {
            post_id: id,
            topic_id,
        };
        if let Some(link) = self.outbox() {
            link.wake.notify_one();
        }
        let users = self.summaries([actor.user_id]).await;
        let view = self.post_view(record, &users, false, TopicRefs::of(&row));
        match self.outbox() {
            // Live at once; if this fails, the outbox handler publishes it.
            Some(link) => {
                if let Ok(event) = post_created_event(&view) {
                    let _ = link.fanout.publish(event).await;
                }
            }
            None => {
                self.publish(topic_channel(topic_id), POST_CREATED, &view)
                    .await;
                if let Err(e) = self.post_created(created, Duration::ZERO, None).await {
                    tracing::warn!(error = %e, "what follows a new post failed");
                }
            }
        }
        Ok(view)
    }

    /// Commits a new post with the topic's raised counts and, with an event
    /// outbox, its `post.created` event: one transaction when posts live in
    /// the topics' database; otherwise the post is stored right after it.
    async fn commit_post(
        &self,
        mut guard: TopicGuard,
        row: &TopicRecord,
        record: &PostRecord,
    ) -> Result<(), DomainError> {
        if self.outbox().is_some() {
            let created = PostCreated {
                post_id: record.id,
                topic_id: row.id,
            };
            let payload = serde_json::to_value(created).map_err(DomainError::internal)?;
            guard
                .record_event(&topic_channel(row.id), POST_CREATED, &payload)
                .await?;
        }
        let stored = guard.insert_post(self.posts(), record).await?;
        guard.save(row).await?;
        guard.commit().await?;
        if !stored {
            self.posts().insert(record).await?;
        }
        Ok(())
    }

    /// See [`crate::ForumService::get_post`].
    pub(crate) async fn get_post(
        &self,
        actor: &Actor,
        id: PostId,
    ) -> Result<PostView, DomainError> {
        let post = self.find_post(id).await?;
        let row = self.topic_of(&post).await?;
        // A deleted post is a tombstone of its thread, no longer a post of its own.
        if post.deleted || !topic_visible(actor, &row) || !post_visible(actor, &post) {
            return Err(DomainError::not_found("post"));
        }
        let upvoted = self.posts().upvoted_by(actor.user_id, &[id]).await?;
        let users = self.summaries([post.author_id]).await;
        Ok(self.post_view(post, &users, !upvoted.is_empty(), TopicRefs::of(&row)))
    }

    /// See [`crate::ForumService::update_post`].
    pub(crate) async fn update_post(
        &self,
        actor: &Actor,
        id: PostId,
        patch: PostPatch,
    ) -> Result<PostView, DomainError> {
        let clean = validate::post_patch(&patch)?;
        let post = self.find_post(id).await?;
        require_author_or_admin(actor, post.author_id, post.organization_id)?;
        let rendered = self.render(&clean.content);
        let mentions = self.resolve_mentions(actor, &rendered.mentions).await;
        let (mut guard, mut row) = self
            .lock_topic(post.topic_id)
            .await
            .map_err(topic_gone_is_post_gone)?;
        let post = self.find_post(id).await?;
        if post.deleted {
            return Err(post_deleted());
        }
        if row.locked && !actor.can_manage_org(post.organization_id) {
            return Err(DomainError::conflict(
                Code::TopicLocked,
                "the topic is locked: only a moderator may edit its posts",
            ));
        }
        let now = self.now();
        let attachments = match &clean.attachments {
            Some(files) => Some(self.attach_files(actor, id, files).await?),
            None => None,
        };
        let before: Vec<FileId> = post.attachments.iter().map(|a| a.file_id).collect();
        let after = clean.attachments.as_deref().unwrap_or(&before);
        let dropped: Vec<FileId> = before
            .iter()
            .filter(|f| !after.contains(f))
            .copied()
            .collect();
        let added: Vec<FileId> = after
            .iter()
            .filter(|f| !before.contains(f))
            .copied()
            .collect();
        let edit = PostEdit {
            content: rendered.source.clone(),
            content_html: rendered.html.clone(),
            attachments,
            mentioned_user_ids: mentions,
            previous: Revision {
                content: post.content.clone(),
                edited_at: now,
                edited_by: actor.user_id,
            },
        };
        match self.posts().edit(id, &edit, now).await {
            Ok(true) => self.detach_files(id, &dropped).await,
            outcome => {
                self.detach_files(id, &added).await;
                return Err(outcome.err().unwrap_or_else(post_deleted));
            }
        }
        if row.first_post_id == id {
            row.excerpt = rendered.excerpt();
            row.search_text = rendered.search_text(&row.title);
            guard.save(&row).await?;
        }
        guard.commit().await?;
        let updated = self.find_post(id).await?;
        let upvoted = self.posts().upvoted_by(actor.user_id, &[id]).await?;
        let users = self.summaries([updated.author_id]).await;
        let refs = TopicRefs::of(&row);
        let view = self.post_view(updated.clone(), &users, !upvoted.is_empty(), refs);
        let event = self.post_view(updated, &users, false, refs);
        self.publish(topic_channel(row.id), "post.updated", &event)
            .await;
        Ok(view)
    }

    /// See [`crate::ForumService::delete_post`].
    pub(crate) async fn delete_post(&self, actor: &Actor, id: PostId) -> Result<(), DomainError> {
        let post = self.find_post(id).await?;
        let (mut guard, mut row) = self
            .lock_topic(post.topic_id)
            .await
            .map_err(topic_gone_is_post_gone)?;
        if !(actor.user_id == post.author_id
            || actor.can_manage_org(post.organization_id)
            || actor.can_manage_org(row.organization_id))
        {
            return Err(DomainError::forbidden(
                "only the author or an organization admin may do this",
            ));
        }
        if row.first_post_id == id {
            return Err(DomainError::conflict(
                Code::FirstPostNotDeletable,
                "the first post is deleted with its topic",
            ));
        }
        let post = self.find_post(id).await?;
        if post.deleted {
            return Ok(());
        }
        let now = self.now();
        let tombstone = Tombstone {
            content: TOMBSTONE.to_owned(),
            content_html: self
                .inner
                .markdown
                .clean_html(&format!("<p>{TOMBSTONE}</p>")),
            deleted_at: now,
        };
        self.posts().soft_delete(id, &tombstone).await?;
        self.release_post_files(id).await;
        let was_answer = forget_deleted_answer(&mut row, id);
        self.refresh_counts(&mut row).await?;
        guard.save(&row).await?;
        guard.commit().await?;
        let deleted = self.find_post(id).await?;
        let users = self.summaries([deleted.author_id]).await;
        let view = self.post_view(deleted, &users, false, TopicRefs::of(&row));
        self.publish(topic_channel(row.id), "post.deleted", &view)
            .await;
        if was_answer {
            self.announce_topic(&row).await?;
        }
        let author = (post.author_id, post.organization_id);
        let details = json!({ "topic_id": row.id, "title": row.title });
        self.record_deletion(actor, author, ("post", id), details)
            .await
    }

    /// See [`crate::ForumService::list_revisions`].
    pub(crate) async fn list_revisions(
        &self,
        _actor: &Actor,
        id: PostId,
    ) -> Result<Vec<RevisionView>, DomainError> {
        if self.find_post(id).await?.deleted {
            return Err(DomainError::not_found("post"));
        }
        let list = self.posts().revisions(id).await?;
        Ok(list
            .into_iter()
            .map(|r| {
                let rendered = self.render(&r.content);
                RevisionView {
                    content_html: rendered.html,
                    content: rendered.source,
                    edited_at: r.edited_at,
                    edited_by: r.edited_by,
                }
            })
            .collect())
    }

    pub(super) async fn find_post(&self, id: PostId) -> Result<PostRecord, DomainError> {
        self.posts()
            .get(id)
            .await?
            .ok_or_else(|| DomainError::not_found("post"))
    }

    /// The topic of a post (a post whose topic is gone is not found either).
    pub(super) async fn topic_of(&self, post: &PostRecord) -> Result<TopicRecord, DomainError> {
        self.topics()
            .get(post.topic_id)
            .await?
            .ok_or_else(|| DomainError::not_found("post"))
    }
}

/// Where a new post goes: its topic, parent and place in the thread.
pub(super) struct Placement {
    pub id: PostId,
    pub topic_id: TopicId,
    pub parent_id: Option<PostId>,
    pub thread_key: String,
    pub depth: u32,
}

/// A post written now by `actor`, as the store takes it: no votes, no
/// revisions, not edited.
pub(super) fn new_record(
    actor: &Actor,
    place: Placement,
    rendered: &Rendered,
    mentions: Vec<UserId>,
    attachments: Vec<AttachmentRef>,
    now: OffsetDateTime,
) -> PostRecord {
    PostRecord {
        id: place.id,
        topic_id: place.topic_id,
        organization_id: actor.org_id,
        parent_id: place.parent_id,
        author_id: actor.user_id,
        thread_key: place.thread_key,
        depth: place.depth,
        content: rendered.source.clone(),
        content_html: rendered.html.clone(),
        attachments,
        mentioned_user_ids: mentions,
        upvote_count: 0,
        is_best_answer: false,
        deleted: false,
        hidden: false,
        revision_count: 0,
        created_day: day_key(now.date()),
        created_at: now,
        updated_at: now,
        edited_at: None,
    }
}

/// The topic's counts with one more post written `now`.
fn raise_counts(row: &mut TopicRecord, now: OffsetDateTime) {
    row.post_count += 1;
    row.reply_count = row.post_count.saturating_sub(1);
    row.last_activity_at = row.last_activity_at.max(now);
    row.trending_score = crate::trending::weight(row);
}

pub(super) fn post_deleted() -> DomainError {
    DomainError::conflict(Code::PostDeleted, "the post was deleted")
}

/// A post whose topic was deleted meanwhile is not found either.
pub(super) fn topic_gone_is_post_gone(e: DomainError) -> DomainError {
    if e.kind_of() == ErrorKind::NotFound {
        DomainError::not_found("post")
    } else {
        e
    }
}
