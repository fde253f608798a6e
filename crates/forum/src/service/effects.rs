//! What follows a new post, through the event outbox
//! (`p2p_kernel::outbox::events`): the reply is committed with a
//! `post.created` outbox event (and the topic's counts raised by one, so its
//! author reads them at once); the worker then recounts the topic exactly,
//! notifies (reply, mention: once per recipient, however often the event is
//! handled) and feeds the search index, which also feeds the dashboard's
//! activity and trending. Without an outbox (a forum built without
//! [`Forum::connect_event_outbox`]: crate tests, tools) the same work runs right
//! after the commit.

use super::{Forum, TopicRefs, topic_channel};
use crate::topic_store::TopicRecord;
use async_trait::async_trait;
use p2p_kernel::ids::{PostId, TopicId};
use p2p_kernel::outbox::events::{Handled, OutboxEvent, OutboxHandler};
use p2p_kernel::persistence::db_now;
use p2p_kernel::ports::EventBus;
use p2p_kernel::{DomainError, ErrorKind, Event};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// The outbox event of a new post.
pub const POST_CREATED: &str = "post.created";

/// How long a recorded post may stay invisible before it counts as never
/// written: with MongoDB the post is inserted after the commit of its event,
/// and a failed insert leaves the event behind.
const GRACE: Duration = Duration::from_secs(30);
/// When to look again for a post not visible yet.
const RETRY_UNSEEN: Duration = Duration::from_secs(1);

/// The payload of [`POST_CREATED`].
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub(crate) struct PostCreated {
    pub post_id: PostId,
    pub topic_id: TopicId,
}

/// Where the forum's outbox events lead: the worker to wake after a commit,
/// and the realtime fan-out (the hub alone: the event goes out at once; the
/// search index is fed by the worker, see [`Forum::post_effects`]).
#[derive(Clone)]
pub struct OutboxLink {
    pub wake: Arc<Notify>,
    pub fanout: Arc<dyn EventBus>,
}

impl Forum {
    /// Records the effects of new posts in the event outbox (register
    /// [`Forum::post_effects`] for [`POST_CREATED`] with its worker). Call
    /// once, at startup.
    pub fn connect_event_outbox(&self, link: OutboxLink) {
        if self.inner.outbox.set(link).is_err() {
            tracing::warn!("the forum's event outbox was already set");
        }
    }

    /// The handler of [`POST_CREATED`] events; `index` applies an event to
    /// the search index before returning (the indexer itself), so that the
    /// event leaves the outbox only once indexed.
    pub fn post_effects(&self, index: Arc<dyn EventBus>) -> Arc<dyn OutboxHandler> {
        Arc::new(PostEffects {
            forum: self.clone(),
            index,
        })
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
        if let Some(index) = index {
            let data = serde_json::to_value(&view).map_err(DomainError::internal)?;
            let mut event = Event::new(topic_channel(row.id), POST_CREATED, data);
            event.occurred_at = view.created_at;
            index.publish(event).await;
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

/// [`POST_CREATED`] events, handed over by the outbox worker.
struct PostEffects {
    forum: Forum,
    index: Arc<dyn EventBus>,
}

#[async_trait]
impl OutboxHandler for PostEffects {
    async fn handle(&self, event: &OutboxEvent) -> Result<Handled, DomainError> {
        let created: PostCreated = serde_json::from_value(event.payload.clone())
            .map_err(|e| DomainError::corrupt("post.created outbox event", e))?;
        let age = Duration::try_from(db_now() - event.created_at).unwrap_or_default();
        self.forum
            .post_created(created, age, Some(self.index.as_ref()))
            .await
    }
}
