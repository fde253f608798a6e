//! Replays carry their objects' current state (on both replay logs): the
//! hub asks the registered domain once per replay, sends a deleted object's
//! events with only its id, keeps every sequence number, and resyncs the
//! subscriber rather than send stale frames when the domain cannot answer.
//! Live delivery is untouched.

use crate::support::{Backend, cleanup, connect, hub, next, subscribe, topic};
use async_trait::async_trait;
use p2p_kernel::ports::{CurrentState, CurrentStates, EventBus};
use p2p_kernel::{Actor, DomainError, Event};
use p2p_realtime::{Channel, ConnectionLimits, ReplayConfig, ReplayStates, ServerFrame};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// Posts as a domain knows them now; `None` makes every call fail.
struct Posts {
    now: Mutex<Option<HashMap<Uuid, CurrentState>>>,
    calls: Mutex<usize>,
}

#[async_trait]
impl CurrentStates for Posts {
    async fn current_states(
        &self,
        _viewer: &Actor,
        kind: &str,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, CurrentState>, DomainError> {
        assert_eq!(kind, "post");
        *self.calls.lock().unwrap() += 1;
        let now = self.now.lock().unwrap();
        let now = now
            .as_ref()
            .ok_or_else(|| DomainError::unavailable("database", "down"))?;
        Ok(ids
            .iter()
            .filter_map(|id| now.get(id).map(|s| (*id, s.clone())))
            .collect())
    }
}

fn post_event(channel: &Channel, name: &str, id: Uuid, text: &str) -> Event {
    Event::new(channel.to_string(), name, json!({"id": id, "text": text}))
}

fn data(frame: &ServerFrame) -> (u64, String, Value) {
    match frame {
        ServerFrame::Event {
            seq, event, data, ..
        } => (*seq, event.clone(), data.clone()),
        other => panic!("expected an event, got {other:?}"),
    }
}

async fn replays_carry_the_current_state(backend: Backend) {
    let (hub, redis) = hub(backend, ReplayConfig::default()).await;
    let (kept, gone) = (Uuid::new_v4(), Uuid::new_v4());
    let posts = Arc::new(Posts {
        now: Mutex::new(Some(HashMap::from([
            (
                kept,
                CurrentState::Visible(json!({"id": kept, "text": "edited"})),
            ),
            (gone, CurrentState::Deleted),
        ]))),
        calls: Mutex::new(0),
    });
    assert!(hub.resolve_replays_with(ReplayStates::new().register("post", posts.clone())));
    assert!(!hub.resolve_replays_with(ReplayStates::new()), "set once");
    let channel = topic();
    for event in [
        post_event(&channel, "post.created", kept, "original"),
        post_event(&channel, "post.created", gone, "secret"),
        post_event(&channel, "post.updated", kept, "edited"),
        post_event(&channel, "post.deleted", gone, "[deleted]"),
    ] {
        EventBus::publish(&hub, event).await.expect("published");
    }
    let mut conn = connect(&hub, ConnectionLimits::default()).await;
    next(&mut conn).await; // its own user channel
    assert_eq!(subscribe(&mut conn, &channel, Some(0)).await, 4);
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(data(&next(&mut conn).await));
    }
    assert_eq!(
        got,
        [
            (
                1,
                "post.created".into(),
                json!({"id": kept, "text": "edited"})
            ),
            (2, "post.created".into(), json!({"id": gone})),
            (
                3,
                "post.updated".into(),
                json!({"id": kept, "text": "edited"})
            ),
            (4, "post.deleted".into(), json!({"id": gone})),
        ]
    );
    assert_eq!(*posts.calls.lock().unwrap(), 1, "one batch per replay");

    // Live events are sent as published.
    EventBus::publish(&hub, post_event(&channel, "post.created", gone, "live"))
        .await
        .expect("published");
    assert_eq!(
        data(&next(&mut conn).await),
        (
            5,
            "post.created".into(),
            json!({"id": gone, "text": "live"})
        )
    );

    // The domain cannot answer: no stale frame, a resync, then live events.
    *posts.now.lock().unwrap() = None;
    let mut other = connect(&hub, ConnectionLimits::default()).await;
    next(&mut other).await;
    assert_eq!(subscribe(&mut other, &channel, Some(0)).await, 5);
    assert_eq!(
        next(&mut other).await,
        ServerFrame::ResyncRequired {
            channel: channel.to_string(),
            from_seq: 6
        }
    );
    EventBus::publish(&hub, post_event(&channel, "post.created", kept, "after"))
        .await
        .expect("published");
    assert_eq!(data(&next(&mut other).await).0, 6);
    cleanup(redis).await;
}

#[tokio::test]
async fn replays_carry_the_current_state_in_memory() {
    replays_carry_the_current_state(Backend::Memory).await;
}

#[tokio::test]
async fn replays_carry_the_current_state_on_redis() {
    replays_carry_the_current_state(Backend::Redis).await;
}
