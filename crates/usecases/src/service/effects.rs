//! What follows publishing a use case, through the event outbox
//! (`p2p_kernel::outbox::events`): the published use case is written with a
//! `use_case.published` outbox event (one transaction when use cases live in
//! the relational database; with MongoDB the event is committed first and
//! the document written right after) and goes out through the hub at once;
//! the worker then notifies the organization's members (each once, however
//! often the event is handled) and feeds the search index (and so the
//! dashboards). Without an outbox (`UseCaseParts::outbox` unset) the same
//! follows the write in the request.

use super::UseCases;
use crate::types::UseCaseView;
use async_trait::async_trait;
use p2p_kernel::ids::{UseCaseId, UserId};
use p2p_kernel::outbox::events::{Handled, NewEvent, OutboxEvent, OutboxHandler};
use p2p_kernel::persistence::begin_write;
use p2p_kernel::ports::{EventBus, NotificationRequest, NotificationText, Recipients};
use p2p_kernel::{DomainError, Event};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The outbox event of a use case published.
pub const USE_CASE_PUBLISHED: &str = "use_case.published";

/// How long a use case recorded as published may stay unpublished in the
/// store before the event counts as never written (MongoDB: the document is
/// written after the event commits, and a failed write leaves it behind).
const GRACE: Duration = Duration::from_secs(30);
/// When to look again for a publication not visible yet.
const RETRY_UNSEEN: Duration = Duration::from_secs(1);

/// The payload of [`USE_CASE_PUBLISHED`].
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct UseCasePublished {
    use_case_id: UseCaseId,
    /// Who published it.
    by: UserId,
}

impl UseCases {
    /// The handler of [`USE_CASE_PUBLISHED`] events; `index` applies an
    /// event to the search index before returning (the indexer itself).
    pub fn outbox_handler(&self, index: Arc<dyn EventBus>) -> Arc<dyn OutboxHandler> {
        Arc::new(Effects {
            usecases: self.clone(),
            index,
        })
    }

    /// Writes `view` (just published) with its outbox event; false when the
    /// use case is gone meanwhile.
    pub(super) async fn store_published(
        &self,
        view: &UseCaseView,
        by: UserId,
    ) -> Result<bool, DomainError> {
        let stream = format!("use_case:{}", view.id);
        let payload = UseCasePublished {
            use_case_id: view.id,
            by,
        };
        let event = NewEvent::new(stream, USE_CASE_PUBLISHED, &payload)?;
        let doc = crate::doc::UseCaseDoc::new(view.clone());
        let store = &self.inner.store;
        let txn = begin_write(&self.inner.db).await?;
        event.record(&txn).await?;
        match store.replace_in(&txn, &doc).await? {
            Some(false) => Ok(false),
            Some(true) => {
                txn.commit().await?;
                store.committed().await;
                Ok(true)
            }
            None => {
                txn.commit().await?;
                store.replace(&doc).await
            }
        }
    }

    /// What tells the organization's members about a use case `by` published
    /// (each once).
    pub(super) fn published_notification(view: &UseCaseView, by: UserId) -> NotificationRequest {
        NotificationRequest::new(
            Recipients::OrganizationMembers(view.organization_id),
            NotificationText::UseCasePublished {
                title: view.title.clone(),
            },
        )
        .by(by)
        .link(format!("/use-cases/{}", view.id))
        .data(json!({ "use_case_id": view.id }))
        .once(format!("use_case:{}:published", view.id))
    }

    async fn published(
        &self,
        event: UseCasePublished,
        age: Duration,
        index: &dyn EventBus,
    ) -> Result<Handled, DomainError> {
        let Some(doc) = self.inner.store.get(event.use_case_id.0).await? else {
            return Ok(Handled::Done);
        };
        if !doc.is_published() {
            return Ok(if age < GRACE {
                Handled::Later(RETRY_UNSEEN)
            } else {
                Handled::Done
            });
        }
        let view = doc.view;
        if !view.hidden
            && let Some(notifier) = &self.inner.notifier
        {
            notifier
                .deliver(vec![Self::published_notification(&view, event.by)])
                .await?;
        }
        let event = Self::published_event(&view)?;
        index.publish(event.clone()).await?;
        // Published by the request at once: this appends nothing unless that
        // failed; a failure here fails the outbox event, which is retried.
        if let Some(link) = &self.inner.outbox {
            link.fanout.publish(event).await?;
        }
        Ok(Handled::Done)
    }

    /// The realtime event of a use case published, keyed by the use case:
    /// published by the request and by the outbox handler again, it reaches
    /// subscribers once.
    pub(super) fn published_event(view: &UseCaseView) -> Result<Event, DomainError> {
        let data = serde_json::to_value(view).map_err(DomainError::internal)?;
        let channel = format!("org:{}", view.organization_id);
        let mut event = Event::new(channel, USE_CASE_PUBLISHED, data)
            .keyed(format!("{USE_CASE_PUBLISHED}:{}", view.id));
        event.occurred_at = view.updated_at;
        Ok(event)
    }
}

struct Effects {
    usecases: UseCases,
    index: Arc<dyn EventBus>,
}

#[async_trait]
impl OutboxHandler for Effects {
    async fn handle(&self, event: &OutboxEvent) -> Result<Handled, DomainError> {
        let payload = event.payload_as()?;
        self.usecases
            .published(payload, event.age(), self.index.as_ref())
            .await
    }
}
