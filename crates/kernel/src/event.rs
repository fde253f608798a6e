//! Domain events: emitted by services after a successful write.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Something that happened, addressed to a realtime channel
/// (`topic:<id>`, `user:<id>`, `org:<id>`...).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub channel: String,
    /// Dotted name: `post.created`, `message.read`...
    pub name: String,
    pub data: serde_json::Value,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// Identifies the event within its channel: publishing an event whose
    /// key the channel's realtime log still holds appends nothing (a retried
    /// publication reaches each subscriber once). `None`: every publication
    /// is a new event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl Event {
    pub fn new(
        channel: impl Into<String>,
        name: impl Into<String>,
        data: serde_json::Value,
    ) -> Self {
        Self {
            channel: channel.into(),
            name: name.into(),
            data,
            occurred_at: OffsetDateTime::now_utc(),
            key: None,
        }
    }

    /// The same event identified by `key` (see [`Event::key`]).
    pub fn keyed(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
}
