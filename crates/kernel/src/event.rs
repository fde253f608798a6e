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
        }
    }
}
