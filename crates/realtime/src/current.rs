//! Replayed events carry the current state of their object.
//!
//! The replay log keeps the frames as they were published; a client that
//! subscribes with `since` must not get back content deleted, hidden or
//! overwritten since. An event named `<kind>.<verb>` whose data has an `id`
//! is about that object; for the kinds a domain registered (a
//! [`CurrentStates`] port), [`ReplayStates::refresh`] asks it, in one batch
//! per kind and replay, what the object is now for the subscriber, and
//! re-renders the event with that state: the current view, or only
//! `{"id": …}` when the object was deleted or is hidden from the viewer.
//! Event names and sequence numbers never change, so replay stays gap-free.

use crate::frames::EventTemplate;
use crate::replay::SequencedEvent;
use p2p_kernel::ports::{CurrentState, CurrentStates};
use p2p_kernel::{Actor, DomainError};
use serde::Deserialize;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use uuid::Uuid;

/// The domains that know the current state of each kind of object.
#[derive(Clone, Default)]
pub struct ReplayStates {
    sources: HashMap<String, Arc<dyn CurrentStates>>,
}

/// What a replayed frame says about itself.
#[derive(Deserialize)]
struct FrameHead {
    event: String,
    data: DataId,
}

#[derive(Deserialize)]
struct DataId {
    id: Uuid,
}

/// An event about an object of a registered kind.
struct About {
    kind: String,
    name: String,
    id: Uuid,
}

impl ReplayStates {
    /// No kind registered: replay sends the frames as published.
    pub fn new() -> Self {
        Self::default()
    }

    /// Resolves the objects of `kind` (`post` for `post.created`...) through `source`.
    pub fn register(mut self, kind: &str, source: Arc<dyn CurrentStates>) -> Self {
        self.sources.insert(kind.to_owned(), source);
        self
    }

    /// Whether no kind is registered.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// The object a frame is about, when its kind is registered.
    fn about(&self, frame: &[u8]) -> Option<About> {
        let head: FrameHead = serde_json::from_slice(frame).ok()?;
        let (kind, _) = head.event.rsplit_once('.')?;
        self.sources.contains_key(kind).then(|| About {
            kind: kind.to_owned(),
            name: head.event.clone(),
            id: head.data.id,
        })
    }

    /// `events` (one channel's replay, in order) with each event about a
    /// registered kind re-rendered from its object's state now for `viewer`.
    /// Fails when a domain cannot answer: the caller must then not send the
    /// stale frames.
    pub async fn refresh(
        &self,
        viewer: &Actor,
        events: Vec<Arc<SequencedEvent>>,
    ) -> Result<Vec<Arc<SequencedEvent>>, DomainError> {
        if self.sources.is_empty() || events.is_empty() {
            return Ok(events);
        }
        let abouts: Vec<Option<About>> = events.iter().map(|e| self.about(&e.frame)).collect();
        let states = self.resolve(viewer, abouts.iter().flatten()).await?;
        // The data of each object, encoded once however many events name it.
        let mut encoded: HashMap<(&str, Uuid), String> = HashMap::new();
        let mut refreshed = Vec::with_capacity(events.len());
        for (event, about) in events.into_iter().zip(&abouts) {
            let Some(about) = about else {
                refreshed.push(event);
                continue;
            };
            let data = match encoded.entry((about.kind.as_str(), about.id)) {
                Entry::Occupied(known) => known.into_mut(),
                Entry::Vacant(slot) => {
                    let state = states.get(&(about.kind.clone(), about.id));
                    slot.insert(encode_state(about.id, state)?)
                }
            };
            let template = EventTemplate::with_data_json(&event.channel, &about.name, data)
                .map_err(DomainError::internal)?;
            refreshed.push(Arc::new(SequencedEvent {
                channel: event.channel,
                seq: event.seq,
                frame: template.render(event.seq),
            }));
        }
        Ok(refreshed)
    }

    /// Asks each kind's source once for the states of its objects.
    async fn resolve(
        &self,
        viewer: &Actor,
        abouts: impl Iterator<Item = &About>,
    ) -> Result<HashMap<(String, Uuid), CurrentState>, DomainError> {
        let mut ids: HashMap<&str, Vec<Uuid>> = HashMap::new();
        for about in abouts {
            let list = ids.entry(about.kind.as_str()).or_default();
            if !list.contains(&about.id) {
                list.push(about.id);
            }
        }
        let mut states = HashMap::new();
        for (kind, ids) in ids {
            let Some(source) = self.sources.get(kind) else {
                continue;
            };
            let found = source.current_states(viewer, kind, &ids).await?;
            states.extend(
                found
                    .into_iter()
                    .map(|(id, state)| ((kind.to_owned(), id), state)),
            );
        }
        Ok(states)
    }
}

/// The event data for an object in `state`: its current view, or only its id
/// when it is gone for this viewer (deleted, hidden or not answered).
fn encode_state(id: Uuid, state: Option<&CurrentState>) -> Result<String, DomainError> {
    match state {
        Some(CurrentState::Visible(view)) => serde_json::to_string(view),
        Some(CurrentState::Deleted | CurrentState::Hidden) | None => {
            serde_json::to_string(&serde_json::json!({ "id": id }))
        }
    }
    .map_err(DomainError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::Channel;
    use async_trait::async_trait;
    use p2p_kernel::ids::TopicId;
    use p2p_testkit::member;
    use serde_json::{Value, json};
    use std::sync::Mutex;

    /// Answers from a fixed table and records each call's ids.
    struct Table {
        states: HashMap<Uuid, CurrentState>,
        calls: Mutex<Vec<Vec<Uuid>>>,
    }

    #[async_trait]
    impl CurrentStates for Table {
        async fn current_states(
            &self,
            _viewer: &Actor,
            _kind: &str,
            ids: &[Uuid],
        ) -> Result<HashMap<Uuid, CurrentState>, DomainError> {
            if let Ok(mut calls) = self.calls.lock() {
                calls.push(ids.to_vec());
            }
            Ok(ids
                .iter()
                .filter_map(|id| self.states.get(id).map(|s| (*id, s.clone())))
                .collect())
        }
    }

    fn event(channel: Channel, seq: u64, name: &str, data: Value) -> Arc<SequencedEvent> {
        let frame = EventTemplate::new(&channel, name, &data)
            .map(|t| t.render(seq))
            .unwrap_or_default();
        Arc::new(SequencedEvent {
            channel,
            seq,
            frame,
        })
    }

    fn json_of(event: &SequencedEvent) -> Value {
        serde_json::from_slice(&event.frame).unwrap_or_default()
    }

    #[tokio::test]
    async fn rewrites_registered_kinds_in_one_batch_and_keeps_the_rest() {
        let (kept, edited, gone, hidden) = (
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
            Uuid::new_v4(),
        );
        let table = Arc::new(Table {
            states: HashMap::from([
                (
                    kept,
                    CurrentState::Visible(json!({"id": kept, "text": "same"})),
                ),
                (
                    edited,
                    CurrentState::Visible(json!({"id": edited, "text": "now"})),
                ),
                (gone, CurrentState::Deleted),
                (hidden, CurrentState::Hidden),
            ]),
            calls: Mutex::new(Vec::new()),
        });
        let states = ReplayStates::new().register("post", table.clone());
        let channel = Channel::topic(TopicId::new());
        let unknown = Uuid::new_v4();
        let events = vec![
            event(
                channel,
                4,
                "post.created",
                json!({"id": kept, "text": "same"}),
            ),
            event(
                channel,
                5,
                "post.created",
                json!({"id": edited, "text": "before"}),
            ),
            event(
                channel,
                6,
                "post.updated",
                json!({"id": edited, "text": "now"}),
            ),
            event(
                channel,
                7,
                "post.created",
                json!({"id": gone, "text": "secret"}),
            ),
            event(
                channel,
                8,
                "post.deleted",
                json!({"id": gone, "text": "[deleted]"}),
            ),
            event(
                channel,
                9,
                "post.created",
                json!({"id": hidden, "text": "rude"}),
            ),
            event(
                channel,
                10,
                "post.created",
                json!({"id": unknown, "text": "lost"}),
            ),
            event(channel, 11, "vote.cast", json!({"id": kept, "n": 1})),
            event(channel, 12, "topic.updated", json!({"title": "no id"})),
        ];
        let refreshed = states.refresh(&member(), events.clone()).await;
        let refreshed: Vec<Value> = refreshed
            .unwrap_or_default()
            .iter()
            .map(|e| json_of(e))
            .collect();
        let seqs: Vec<u64> = refreshed.iter().filter_map(|f| f["seq"].as_u64()).collect();
        assert_eq!(seqs, (4..=12).collect::<Vec<_>>());
        let data: Vec<&Value> = refreshed.iter().map(|f| &f["data"]).collect();
        assert_eq!(data[0], &json!({"id": kept, "text": "same"}));
        assert_eq!(data[1], &json!({"id": edited, "text": "now"}));
        assert_eq!(data[2], &json!({"id": edited, "text": "now"}));
        assert_eq!(data[3], &json!({"id": gone}));
        assert_eq!(data[4], &json!({"id": gone}));
        assert_eq!(data[5], &json!({"id": hidden}));
        assert_eq!(
            data[6],
            &json!({"id": unknown}),
            "unanswered ids count as deleted"
        );
        assert_eq!(refreshed[1]["event"], "post.created");
        // Unregistered kinds and events without an id pass as they were.
        assert_eq!(refreshed[7], json_of(&events[7]));
        assert_eq!(refreshed[8], json_of(&events[8]));
        let calls = table.calls.lock().map(|c| c.clone()).unwrap_or_default();
        assert_eq!(calls.len(), 1, "one batch per kind and replay");
        assert_eq!(calls[0].len(), 5, "each object asked once");
    }

    #[tokio::test]
    async fn without_registered_kinds_frames_are_untouched() {
        let channel = Channel::Forum;
        let events = vec![event(
            channel,
            1,
            "topic.created",
            json!({"id": Uuid::new_v4()}),
        )];
        let same = ReplayStates::new().refresh(&member(), events.clone()).await;
        assert_eq!(same.ok(), Some(events));
    }
}
