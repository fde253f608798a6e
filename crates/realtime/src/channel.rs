//! Channels: what a client subscribes to and what an [`Event`](p2p_kernel::Event) is addressed to.

use p2p_kernel::ids::{OrgId, TopicId, UserId};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// A validated channel name: `topic:<uuid>`, `user:<uuid>` or `org:<uuid>`.
///
/// Its text form (the `Display` output) is canonical: lowercase, hyphenated UUID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// Live updates of one forum topic (posts, votes, best answer...).
    Topic(TopicId),
    /// One user's private feed (messages, notifications).
    User(UserId),
    /// Organization-wide announcements.
    Org(OrgId),
    /// Platform-wide forum announcements (`topic.created`): any signed-in user.
    Forum,
}

/// Why a channel name was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid channel {name:?}: expected forum, topic:<uuid>, user:<uuid> or org:<uuid>")]
pub struct InvalidChannel {
    /// The rejected name, truncated to 80 characters.
    pub name: String,
}

/// The longest channel name accepted (`topic:` plus a hyphenated UUID is 42).
const MAX_NAME_LEN: usize = 64;

impl Channel {
    /// The channel of a forum topic.
    pub fn topic(id: TopicId) -> Self {
        Channel::Topic(id)
    }

    /// A user's private channel.
    pub fn user(id: UserId) -> Self {
        Channel::User(id)
    }

    /// An organization's channel.
    pub fn org(id: OrgId) -> Self {
        Channel::Org(id)
    }

    /// The kind prefix: `topic`, `user`, `org`, or `forum` (which has no id).
    pub fn kind(&self) -> &'static str {
        match self {
            Channel::Topic(_) => "topic",
            Channel::User(_) => "user",
            Channel::Org(_) => "org",
            Channel::Forum => "forum",
        }
    }

    /// Parses `kind:<uuid>`; any other shape is an [`InvalidChannel`].
    pub fn parse(name: &str) -> Result<Self, InvalidChannel> {
        let invalid = || InvalidChannel {
            name: name.chars().take(80).collect(),
        };
        if name.len() > MAX_NAME_LEN {
            return Err(invalid());
        }
        if name == "forum" {
            return Ok(Channel::Forum);
        }
        let (kind, id) = name.split_once(':').ok_or_else(invalid)?;
        let id = Uuid::parse_str(id).map_err(|_| invalid())?;
        match kind {
            "topic" => Ok(Channel::Topic(TopicId(id))),
            "user" => Ok(Channel::User(UserId(id))),
            "org" => Ok(Channel::Org(OrgId(id))),
            _ => Err(invalid()),
        }
    }

    fn uuid(&self) -> Option<Uuid> {
        match self {
            Channel::Topic(id) => Some(id.0),
            Channel::User(id) => Some(id.0),
            Channel::Org(id) => Some(id.0),
            Channel::Forum => None,
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.uuid() {
            Some(id) => write!(f, "{}:{}", self.kind(), id.hyphenated()),
            None => f.write_str(self.kind()),
        }
    }
}

impl FromStr for Channel {
    type Err = InvalidChannel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Channel::parse(s)
    }
}

impl Serialize for Channel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Channel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Channel::parse(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_kind() {
        let id = Uuid::new_v4();
        for (name, channel) in [
            (format!("topic:{id}"), Channel::Topic(TopicId(id))),
            (format!("user:{id}"), Channel::User(UserId(id))),
            (format!("org:{id}"), Channel::Org(OrgId(id))),
            ("forum".to_owned(), Channel::Forum),
        ] {
            assert_eq!(Channel::parse(&name), Ok(channel));
            assert_eq!(channel.to_string(), name);
        }
    }

    #[test]
    fn canonicalizes_uppercase_ids() {
        let id = Uuid::new_v4();
        let upper = format!("topic:{}", id.hyphenated().to_string().to_uppercase());
        assert_eq!(
            Channel::parse(&upper).map(|c| c.to_string()),
            Ok(format!("topic:{id}"))
        );
    }

    #[test]
    fn rejects_malformed_names() {
        let id = Uuid::new_v4();
        for bad in [
            String::new(),
            "topic".to_owned(),
            "topic:".to_owned(),
            "topic:42".to_owned(),
            format!("post:{id}"),
            format!("Topic:{id}"),
            format!(" topic:{id}"),
            format!("topic:{id}:x"),
            format!("topic:{}", "a".repeat(200)),
            "forum:".to_owned(),
            format!("forum:{id}"),
        ] {
            assert!(Channel::parse(&bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn serde_uses_the_text_form() {
        let channel = Channel::User(UserId(Uuid::new_v4()));
        let json = serde_json::to_string(&channel).unwrap_or_default();
        assert_eq!(json, format!("\"{channel}\""));
        let back: Channel = serde_json::from_str(&json).unwrap_or(Channel::Org(OrgId(Uuid::nil())));
        assert_eq!(back, channel);
        assert!(serde_json::from_str::<Channel>("\"user:nope\"").is_err());
    }
}
