//! What an object is now: lets the realtime layer replay old events about
//! content without bringing back what was deleted, hidden or overwritten since.

use crate::{Actor, DomainError};
use async_trait::async_trait;
use std::collections::HashMap;
use uuid::Uuid;

/// An object's state now, as one viewer may see it.
#[derive(Clone, Debug, PartialEq)]
pub enum CurrentState {
    /// It exists and the viewer may see it: its view now, the same JSON its
    /// events carry.
    Visible(serde_json::Value),
    /// It no longer exists.
    Deleted,
    /// It exists, but a moderator hid it from this viewer.
    Hidden,
}

/// Implemented by the domain that owns a kind of object (the kind of the
/// events `<kind>.<verb>` whose data has the object's `id`); the server
/// registers it with the realtime hub for that kind.
#[async_trait]
pub trait CurrentStates: Send + Sync + 'static {
    /// The state now, for `viewer`, of the objects `ids` of `kind`: one call
    /// per kind and replay. An id left out of the answer counts as deleted.
    async fn current_states(
        &self,
        viewer: &Actor,
        kind: &str,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, CurrentState>, DomainError>;
}
