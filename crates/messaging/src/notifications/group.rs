//! Grouped notifications: replies in one topic make one notification while
//! it is unread and younger than the grouping window ("10 new replies in
//! "Pump seals""), instead of ten.
//!
//! The first reply creates a notification as usual; it names its group
//! (`group_key`, unique per user among the notifications that carry one).
//! Each later reply within the window joins it: one conditional `UPDATE`
//! adds one to its count, so two replies at once never open two groups nor
//! lose a count. Once the notification is read, or the window since its
//! first reply has passed, the next reply opens a new one.
//!
//! A grouped notification's title is written when it is read (not stored):
//! from its count and its subject, the topic's title as the forum shows it
//! (looked up once per group through [`Subjects`]).

use crate::entity::notification;
use async_trait::async_trait;
use p2p_kernel::DomainError;
use p2p_kernel::ids::TopicId;
use p2p_kernel::ports::{NotificationKind, NotificationRequest};
use uuid::Uuid;

/// The default grouping window (`P2P_NOTIFICATION_GROUP_SECS`).
pub const DEFAULT_GROUP_WINDOW: std::time::Duration = std::time::Duration::from_secs(600);

/// Where grouped notifications find the titles of what they are about.
/// Implemented by the server over the forum.
#[async_trait]
pub trait Subjects: Send + Sync + 'static {
    /// The topic's title now; `None` when the topic is gone.
    async fn topic_title(&self, topic: TopicId) -> Result<Option<String>, DomainError>;
}

/// The group a notification request belongs to, if it is grouped: replies
/// (`reply` with a `topic_id` in its data) are grouped per topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Group {
    pub key: String,
    pub topic: TopicId,
}

/// The key of a group of replies: this and the topic's id.
const REPLIES_IN: &str = "reply:topic:";

impl Group {
    pub(crate) fn of(request: &NotificationRequest) -> Option<Self> {
        if request.kind != NotificationKind::Reply {
            return None;
        }
        let topic: Uuid = request.data.get("topic_id")?.as_str()?.parse().ok()?;
        Some(Self {
            key: format!("{REPLIES_IN}{topic}"),
            topic: TopicId(topic),
        })
    }

    /// The group a stored notification is open in.
    pub(crate) fn of_row(n: &notification::Model) -> Option<Self> {
        let key = n.group_key.as_deref()?;
        let topic = key.strip_prefix(REPLIES_IN)?.parse().ok()?;
        Some(Self {
            key: key.to_owned(),
            topic: TopicId(topic),
        })
    }
}

/// The language a grouped title is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TitleLanguage {
    #[default]
    English,
    Arabic,
}

/// The title of `count` replies in the topic `subject` (unknown: without it).
///
/// English: `10 new replies in "Pump seals"`. Arabic follows the number's
/// plural form (two: the dual without a number; 3–10: plural; 11–99: the
/// singular accusative; hundreds: the singular), `«…»` around the title.
pub fn replies_title(language: TitleLanguage, count: u32, subject: Option<&str>) -> String {
    match language {
        TitleLanguage::English => {
            let replies = if count == 1 {
                "1 new reply".to_owned()
            } else {
                format!("{count} new replies")
            };
            match subject {
                Some(s) => format!("{replies} in \"{s}\""),
                None => replies,
            }
        }
        TitleLanguage::Arabic => {
            let replies = match (count, count % 100) {
                (1, _) => "رد جديد".to_owned(),
                (2, _) => "ردّان جديدان".to_owned(),
                (_, 3..=10) => format!("{count} ردود جديدة"),
                (_, 11..=99) => format!("{count} ردًا جديدًا"),
                _ => format!("{count} رد جديد"),
            };
            match subject {
                Some(s) => format!("{replies} في «{s}»"),
                None => replies,
            }
        }
    }
}

/// The title a notification shows: a grouped one of several events says how
/// many; any other its stored title.
pub(crate) fn display_title(n: &notification::Model) -> String {
    if n.group_count > 1 {
        let count = u32::try_from(n.group_count).unwrap_or(u32::MAX);
        replies_title(TitleLanguage::English, count, n.subject.as_deref())
    } else {
        n.title.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p2p_kernel::ids::UserId;
    use p2p_kernel::ports::Recipients;
    use serde_json::json;

    #[test]
    fn replies_with_a_topic_are_grouped_per_topic() {
        let topic = Uuid::now_v7();
        let reply = |kind, data| {
            NotificationRequest::new(kind, Recipients::Users(vec![UserId::new()]), "t").data(data)
        };
        let grouped = Group::of(&reply(NotificationKind::Reply, json!({"topic_id": topic})));
        assert_eq!(
            grouped,
            Some(Group {
                key: format!("reply:topic:{topic}"),
                topic: TopicId(topic)
            })
        );
        assert_eq!(Group::of(&reply(NotificationKind::Reply, json!({}))), None);
        let mention = reply(NotificationKind::Mention, json!({"topic_id": topic}));
        assert_eq!(Group::of(&mention), None);
    }

    #[test]
    fn titles_in_english_and_arabic() {
        let en = |n, s| replies_title(TitleLanguage::English, n, s);
        assert_eq!(
            en(10, Some("Pump seals")),
            "10 new replies in \"Pump seals\""
        );
        assert_eq!(en(1, None), "1 new reply");
        assert_eq!(
            en(2, Some("تآكل المضخّات")),
            "2 new replies in \"تآكل المضخّات\""
        );
        let ar = |n| replies_title(TitleLanguage::Arabic, n, Some("المضخات"));
        assert_eq!(ar(2), "ردّان جديدان في «المضخات»");
        assert_eq!(ar(10), "10 ردود جديدة في «المضخات»");
        assert_eq!(ar(11), "11 ردًا جديدًا في «المضخات»");
        assert_eq!(ar(100), "100 رد جديد في «المضخات»");
        assert_eq!(ar(103), "103 ردود جديدة في «المضخات»");
        assert_eq!(
            replies_title(TitleLanguage::Arabic, 5, None),
            "5 ردود جديدة"
        );
    }
}
