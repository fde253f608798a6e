//! What follows a new topic or post, through the event outbox
//! (`p2p_kernel::outbox::events`): a reply is committed with a
//! `post.created` outbox event (and the topic's counts raised by one, so its
//! author reads them at once), a new topic with its first post and a
//! `topic.created` event; both go out through the hub at once. The worker
//! then recounts the topic exactly (a reply), notifies (reply, mention: once
//! per recipient, however often the event is handled), feeds the search
//! index, which also feeds the dashboard's activity and trending, and
//! publishes the realtime events again, keyed ([`post_created_event`]): one
//! the request could not publish (the realtime backend down) goes out then,
//! retried with its outbox event; one it did publish is not repeated. Without an
//! outbox (a forum built without [`Forum::connect_event_outbox`]: crate
//! tests, tools) the same work runs right after the commit.

use super::topics::FORUM_CHANNEL;
use super::{Forum, TopicRefs, topic_channel, topic_view};
use crate::topic_store::TopicRecord;
use crate::types::{PostView, TopicView};
use async_trait::async_trait;
use p2p_kernel::ids::{PostId, TopicId};
use p2p_kernel::outbox::events::{Handled, OutboxEvent, OutboxHandler, OutboxLink};
use p2p_kernel::ports::EventBus;
use p2p_kernel::{DomainError, ErrorKind, Event};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// The outbox event of a new post.
pub const POST_CREATED: &str = "post.created";
/// The outbox event of a new topic (with its first post).
pub const TOPIC_CREATED: &str = "topic.created";

/// How long a recorded post may stay invisible before it counts as never
/// written: with MongoDB the post is inserted after the commit of its event,
/// and a failed insert leaves the event behind.
const GRACE: Duration = Duration::from_secs(30);
/// When to look again for a post not visible yet.
const RETRY_UNSEEN: Duration = Duration::from_secs(1);

/// The realtime event of a new post, keyed by the post: published by the
/// request at once and by the outbox handler again, it reaches subscribers once.
pub(super) fn post_created_event(view: &PostView) -> Result<Event, DomainError> {
    let data = serde_json::to_value(view).map_err(DomainError::internal)?;
    let mut event = Event::new(topic_channel(view.topic_id), POST_CREATED, data)
        .keyed(format!("{POST_CREATED}:{}", view.id));
    event.occurred_at = view.created_at;
    Ok(event)
}

/// The realtime event of a new topic, keyed by the topic (see [`post_created_event`]).
pub(super) fn topic_created_event(view: &TopicView) -> Result<Event, DomainError> {
    let data = serde_json::to_value(view).map_err(DomainError::internal)?;
    let mut event = Event::new(FORUM_CHANNEL, TOPIC_CREATED, data)
        .keyed(format!("{TOPIC_CREATED}:{}", view.id));
    event.occurred_at = view.created_at;
    Ok(event)
}

/// The payload of [`POST_CREATED`].
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub(crate) struct PostCreated {
    pub post_id: PostId,
    pub topic_id: TopicId,
}

/// The payload of [`TOPIC_CREATED`].
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub(crate) struct TopicCreated {
    pub topic_id: TopicId,
}

impl Forum {
    /// Records the effects of new topics and posts in the event outbox
    /// (register [`Forum::outbox_handlers`] with its worker). Call once, at
    /// startup.
    pub fn connect_event_outbox(&self, link: OutboxLink) {
        if self.inner.outbox.set(link).is_err() {
            tracing::warn!("the forum's event outbox was already set");
        }
    }

    /// The handlers of the forum's outbox events ([`POST_CREATED`],
    /// [`TOPIC_CREATED`]), by kind; `index` applies an event to the search
    /// index before returning (the indexer itself), so that an event leaves
    /// the outbox only once indexed.
    pub fn outbox_handlers(
        &self,
        index: Arc<dyn EventBus>,
    ) -> Vec<(&'static str, Arc<dyn OutboxHandler>)> {
        let effects = Arc::new(Effects {
            forum: self.clone(),
            index,
        });
        vec![(POST_CREATED, effects.clone()), (TOPIC_CREATED, effects)]
    }

    pub(super) fn outbox(&self) -> Option<&OutboxLink> {
        self.inner.outbox.get()
    }

    /// Applies the effects of a new post `age` after it was recorded (and
    /// indexes it through `index`, when given).
    pub(super) async fn post_created(
        &self,
        created: PostCreated,
        age: Duration,
        index: Option<&dyn EventBus>,
    ) -> Result<Handled, DomainError> {
        let Some(post) = self.posts().get(created.post_id).await? else {
            if age < GRACE {
                return Ok(Handled::Later(RETRY_UNSEEN));
            }
            self.recount(created.topic_id).await?;
            return Ok(Handled::Done);
        };
        let Some(row) = self.recount(created.topic_id).await? else {
            return Ok(Handled::Done);
        };
        if post.deleted {
            return Ok(Handled::Done);
        }
        let users = self.summaries([post.author_id]).await;
        let view = self.post_view(post, &users, false, TopicRefs::of(&row));
        self.notify_post(view.author_id, &row, &view).await?;
        let event = post_created_event(&view)?;
        if let Some(index) = index {
            index.publish(event.clone()).await?;
        }
        self.fan_out(event).await?;
        Ok(Handled::Done)
    }

    /// Publishes `event` (keyed) through the outbox's realtime fan-out again:
    /// the request published it at once, so this appends nothing unless that
    /// failed; a failure here fails the outbox event, which is retried.
    async fn fan_out(&self, event: Event) -> Result<(), DomainError> {
        match self.outbox() {
            Some(link) => Ok(link.fanout.publish(event).await?),
            None => Ok(()),
        }
    }

    /// Applies the effects of a new topic: its first post's mentions are
    /// notified, the topic and the post indexed through `index`, when given.
    pub(super) async fn topic_created(
        &self,
        created: TopicCreated,
        index: Option<&dyn EventBus>,
    ) -> Result<Handled, DomainError> {
        let Some(row) = self.topics().get(created.topic_id).await? else {
            return Ok(Handled::Done);
        };
        let Some(post) = self.posts().get(row.first_post_id).await? else {
            return Ok(Handled::Done);
        };
        let users = self.summaries([row.author_id]).await;
        let view = self.post_view(post, &users, false, TopicRefs::of(&row));
        self.notify_post(row.author_id, &row, &view).await?;
        let events = [
            topic_created_event(&topic_view(&row, &users))?,
            post_created_event(&view)?,
        ];
        for event in events {
            if let Some(index) = index {
                index.publish(event.clone()).await?;
            }
            self.fan_out(event).await?;
        }
        Ok(Handled::Done)
    }

    /// Recounts a topic's posts, votes and participants under its lock;
    /// `None` when the topic is gone.
    pub(super) async fn recount(&self, topic: TopicId) -> Result<Option<TopicRecord>, DomainError> {
        let (mut guard, mut row) = match self.lock_topic(topic).await {
            Ok(locked) => locked,
            Err(e) if e.kind_of() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        self.refresh_counts(&mut row).await?;
        guard.save(&row).await?;
        guard.commit().await?;
        Ok(Some(row))
    }
}

/// The forum's outbox events, handed over by the outbox worker.
struct Effects {
    forum: Forum,
    index: Arc<dyn EventBus>,
}

#[async_trait]
impl OutboxHandler for Effects {
    async fn handle(&self, event: &OutboxEvent) -> Result<Handled, DomainError> {
        let index = Some(self.index.as_ref());
        match event.kind.as_str() {
            TOPIC_CREATED => self.forum.topic_created(event.payload_as()?, index).await,
            _ => {
                let created = event.payload_as()?;
                self.forum.post_created(created, event.age(), index).await
            }
        }
    }
}
