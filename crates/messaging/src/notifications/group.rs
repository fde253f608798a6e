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
use p2p_kernel::Locale;
use p2p_kernel::ids::TopicId;
use p2p_kernel::ports::{NotificationKind, NotificationRequest, NotificationText};
use p2p_kernel::text::{ArabicNoun, isolate};
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
        if request.kind() != NotificationKind::Reply {
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

/// "n new replies" in Arabic (`ردّان جديدان`, `3 ردود جديدة`, `11 ردًا جديدًا`).
const NEW_REPLIES: ArabicNoun = ArabicNoun {
    one: "رد جديد",
    two: "ردّان جديدان",
    few: "ردود جديدة",
    many: "ردًا جديدًا",
    hundreds: "رد جديد",
};

/// The title of `count` replies in the topic `subject` (unknown: without it),
/// the topic's title [`isolate`]d.
///
/// English: `10 new replies in "Pump seals"`. Arabic follows the number's
/// plural form (two: the dual without a number; 3–10: plural; 11–99: the
/// singular accusative; hundreds: the singular), `«…»` around the title.
pub fn replies_title(locale: Locale, count: u32, subject: Option<&str>) -> String {
    let subject = subject.map(isolate);
    match locale {
        Locale::En => {
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
        Locale::Ar => {
            let replies = NEW_REPLIES.count(u64::from(count));
            match subject {
                Some(s) => format!("{replies} في «{s}»"),
                None => replies,
            }
        }
    }
}

/// The title a notification shows in `locale`: a grouped one of several
/// events says how many; any other what it says, or for rows stored before
/// notifications kept what they say (or one whose text this version cannot
/// read), the English title it was stored with.
pub(crate) fn display_title(n: &notification::Model, locale: Locale) -> String {
    if n.group_count > 1 {
        let count = u32::try_from(n.group_count).unwrap_or(u32::MAX);
        return replies_title(locale, count, n.subject.as_deref());
    }
    let text = n
        .title_text
        .as_deref()
        .and_then(|json| serde_json::from_str::<NotificationText>(json).ok());
    match text {
        Some(text) => text.render(locale),
        None => n.title.clone(),
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
        let to = Recipients::Users(vec![UserId::new()]);
        let (actor, topic_title) = ("a".to_owned(), "t".to_owned());
        let reply = NotificationText::Reply {
            actor: actor.clone(),
            topic: topic_title.clone(),
        };
        let mention = NotificationText::Mention {
            actor,
            topic: topic_title,
        };
        let request = |text, data| NotificationRequest::new(to.clone(), text).data(data);
        let grouped = Group::of(&request(reply.clone(), json!({"topic_id": topic})));
        assert_eq!(
            grouped,
            Some(Group {
                key: format!("reply:topic:{topic}"),
                topic: TopicId(topic)
            })
        );
        assert_eq!(Group::of(&request(reply, json!({}))), None);
        let mention = request(mention, json!({"topic_id": topic}));
        assert_eq!(Group::of(&mention), None);
    }

    #[test]
    fn titles_in_english_and_arabic() {
        let shown = |t: String| t.replace(['\u{2068}', '\u{2069}'], "");
        let en = |n, s| shown(replies_title(Locale::En, n, s));
        assert_eq!(
            en(10, Some("Pump seals")),
            "10 new replies in \"Pump seals\""
        );
        assert_eq!(en(1, None), "1 new reply");
        assert_eq!(
            replies_title(Locale::En, 2, Some("تآكل المضخّات")),
            "2 new replies in \"\u{2068}تآكل المضخّات\u{2069}\""
        );
        let ar = |n| shown(replies_title(Locale::Ar, n, Some("المضخات")));
        assert_eq!(ar(1), "رد جديد في «المضخات»");
        assert_eq!(ar(2), "ردّان جديدان في «المضخات»");
        assert_eq!(ar(10), "10 ردود جديدة في «المضخات»");
        assert_eq!(ar(11), "11 ردًا جديدًا في «المضخات»");
        assert_eq!(ar(100), "100 رد جديد في «المضخات»");
        assert_eq!(ar(103), "103 ردود جديدة في «المضخات»");
        assert_eq!(replies_title(Locale::Ar, 5, None), "5 ردود جديدة");
    }
}
