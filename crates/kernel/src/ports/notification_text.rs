//! What a notification says, kept as its parts (what happened, and the names
//! and titles people wrote that it mentions) rather than as a sentence, so
//! that each reader gets it in their language wherever it is shown: the list
//! (the request's language), live frames and email digests (the recipient's).

use super::NotificationKind;
use crate::locale::Locale;
use crate::text::isolate;
use serde::{Deserialize, Serialize};

/// What a notification says: one variant per wording, each naming its kind
/// ([`NotificationText::kind`]). Stored as JSON (`{"says": "reply", "actor":
/// …, "topic": …}`); rendered by [`NotificationText::render`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "says", rename_all = "snake_case")]
pub enum NotificationText {
    /// `actor` replied in the topic `topic` (to the reader's post or topic).
    Reply { actor: String, topic: String },
    /// `actor` mentioned the reader in the topic `topic`.
    Mention { actor: String, topic: String },
    /// The reader's answer in the topic `topic` was accepted as the best one.
    BestAnswer { topic: String },
    /// `sender` sent the reader a message that begins with `preview`.
    Message { sender: String, preview: String },
    /// `person` accepted the reader's invitation and joined.
    InvitationAccepted { person: String },
    /// The use case `title` of the reader's organization was published.
    UseCasePublished { title: String },
    /// Content that reads `summary` was reported (to its moderators).
    ContentReported { summary: String },
}

impl NotificationText {
    /// The kind of notification that says this (what email preferences name).
    pub fn kind(&self) -> NotificationKind {
        match self {
            Self::Reply { .. } => NotificationKind::Reply,
            Self::Mention { .. } => NotificationKind::Mention,
            Self::BestAnswer { .. } => NotificationKind::BestAnswer,
            Self::Message { .. } => NotificationKind::Message,
            Self::InvitationAccepted { .. } => NotificationKind::Invitation,
            Self::UseCasePublished { .. } => NotificationKind::UseCasePublished,
            Self::ContentReported { .. } => NotificationKind::ContentReported,
        }
    }

    /// The same text with `f` applied to each part people wrote (to bound
    /// their length before storing them).
    pub fn map_parts(self, f: impl Fn(&str) -> String) -> Self {
        match self {
            Self::Reply { actor, topic } => Self::Reply {
                actor: f(&actor),
                topic: f(&topic),
            },
            Self::Mention { actor, topic } => Self::Mention {
                actor: f(&actor),
                topic: f(&topic),
            },
            Self::BestAnswer { topic } => Self::BestAnswer { topic: f(&topic) },
            Self::Message { sender, preview } => Self::Message {
                sender: f(&sender),
                preview: f(&preview),
            },
            Self::InvitationAccepted { person } => Self::InvitationAccepted { person: f(&person) },
            Self::UseCasePublished { title } => Self::UseCasePublished { title: f(&title) },
            Self::ContentReported { summary } => Self::ContentReported {
                summary: f(&summary),
            },
        }
    }

    /// One line in `locale`. What people wrote (names, titles, previews) is
    /// [`isolate`]d, so an Arabic name keeps its direction in an English
    /// line and an English one in an Arabic line, and cannot reorder the
    /// line around it; a person without a name (an erased account) is
    /// "Someone" («أحدهم»). Plain text: whoever shows it as HTML escapes it.
    pub fn render(&self, locale: Locale) -> String {
        let person = |name: &str| match (name.trim().is_empty(), locale) {
            (false, _) => isolate(name.trim()),
            (true, Locale::En) => "Someone".to_owned(),
            (true, Locale::Ar) => "أحدهم".to_owned(),
        };
        let quoted = |text: &str| isolate(text);
        match locale {
            Locale::En => match self {
                Self::Reply { actor, topic } => {
                    format!("{} replied in \"{}\"", person(actor), quoted(topic))
                }
                Self::Mention { actor, topic } => {
                    format!("{} mentioned you in \"{}\"", person(actor), quoted(topic))
                }
                Self::BestAnswer { topic } => {
                    format!("Your answer in \"{}\" was accepted", quoted(topic))
                }
                Self::Message { sender, preview } => {
                    format!("{}: {}", person(sender), quoted(preview))
                }
                Self::InvitationAccepted { person: p } => {
                    format!("{} accepted your invitation and joined", person(p))
                }
                Self::UseCasePublished { title } => {
                    format!("Use case published: “{}”", quoted(title))
                }
                Self::ContentReported { summary } => format!("Reported: “{}”", quoted(summary)),
            },
            // Arabic verbs agree with their subject's gender, which the
            // platform does not know: the lines that name a person say what
            // happened as a noun («ردّ جديد من …»).
            Locale::Ar => match self {
                Self::Reply { actor, topic } => {
                    format!("ردّ جديد من {} في «{}»", person(actor), quoted(topic))
                }
                Self::Mention { actor, topic } => {
                    format!("إشارة إليك من {} في «{}»", person(actor), quoted(topic))
                }
                Self::BestAnswer { topic } => {
                    format!("اختيرت إجابتك أفضل إجابة في «{}»", quoted(topic))
                }
                Self::Message { sender, preview } => {
                    format!("رسالة من {}: {}", person(sender), quoted(preview))
                }
                Self::InvitationAccepted { person: p } => {
                    format!("انضمام {} بعد قبول دعوتك", person(p))
                }
                Self::UseCasePublished { title } => {
                    format!("نُشرت حالة الاستخدام «{}»", quoted(title))
                }
                Self::ContentReported { summary } => format!("بلاغ عن «{}»", quoted(summary)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{FSI, PDI};

    /// A line with its isolates written as `⁅…⁆`, to read the tests.
    fn shown(line: String) -> String {
        line.replace(FSI, "⁅").replace(PDI, "⁆")
    }

    fn reply() -> NotificationText {
        NotificationText::Reply {
            actor: "نورة الحربي".into(),
            topic: "Pump seals".into(),
        }
    }

    #[test]
    fn every_text_reads_in_english_and_in_arabic() {
        let all = [
            reply(),
            NotificationText::Mention {
                actor: "Omar".into(),
                topic: "تآكل المضخات".into(),
            },
            NotificationText::BestAnswer {
                topic: "Valves".into(),
            },
            NotificationText::Message {
                sender: "Ann Lee".into(),
                preview: "hello".into(),
            },
            NotificationText::InvitationAccepted {
                person: "أحمد العتيبي".into(),
            },
            NotificationText::UseCasePublished {
                title: "رؤية آلية".into(),
            },
            NotificationText::ContentReported {
                summary: "spam".into(),
            },
        ];
        let english: Vec<String> = all.iter().map(|t| shown(t.render(Locale::En))).collect();
        assert_eq!(
            english,
            [
                "⁅نورة الحربي⁆ replied in \"⁅Pump seals⁆\"",
                "⁅Omar⁆ mentioned you in \"⁅تآكل المضخات⁆\"",
                "Your answer in \"⁅Valves⁆\" was accepted",
                "⁅Ann Lee⁆: ⁅hello⁆",
                "⁅أحمد العتيبي⁆ accepted your invitation and joined",
                "Use case published: “⁅رؤية آلية⁆”",
                "Reported: “⁅spam⁆”",
            ]
        );
        let arabic: Vec<String> = all.iter().map(|t| shown(t.render(Locale::Ar))).collect();
        assert_eq!(
            arabic,
            [
                "ردّ جديد من ⁅نورة الحربي⁆ في «⁅Pump seals⁆»",
                "إشارة إليك من ⁅Omar⁆ في «⁅تآكل المضخات⁆»",
                "اختيرت إجابتك أفضل إجابة في «⁅Valves⁆»",
                "رسالة من ⁅Ann Lee⁆: ⁅hello⁆",
                "انضمام ⁅أحمد العتيبي⁆ بعد قبول دعوتك",
                "نُشرت حالة الاستخدام «⁅رؤية آلية⁆»",
                "بلاغ عن «⁅spam⁆»",
            ]
        );
        let kinds: Vec<NotificationKind> = all.iter().map(NotificationText::kind).collect();
        assert_eq!(kinds, NotificationKind::ALL);
    }

    #[test]
    fn nameless_people_are_someone_and_overrides_stay_inside() {
        let erased = NotificationText::Reply {
            actor: " ".into(),
            topic: "t".into(),
        };
        assert_eq!(
            shown(erased.render(Locale::En)),
            "Someone replied in \"⁅t⁆\""
        );
        assert_eq!(
            shown(erased.render(Locale::Ar)),
            "ردّ جديد من أحدهم في «⁅t⁆»"
        );
        let spoof = NotificationText::Message {
            sender: "Ann\u{202E}\u{2069}".into(),
            preview: "x".into(),
        };
        assert_eq!(shown(spoof.render(Locale::En)), "⁅Ann⁆: ⁅x⁆");
    }

    #[test]
    fn stored_as_tagged_json_and_bounded_part_by_part() {
        let json = serde_json::to_value(reply()).ok();
        assert_eq!(
            json,
            Some(
                serde_json::json!({"says": "reply", "actor": "نورة الحربي", "topic": "Pump seals"})
            )
        );
        let back: Option<NotificationText> = json.and_then(|j| serde_json::from_value(j).ok());
        assert_eq!(back, Some(reply()));
        let short = reply().map_parts(|s| s.chars().take(4).collect());
        assert_eq!(
            short,
            NotificationText::Reply {
                actor: "نورة".into(),
                topic: "Pump".into()
            }
        );
    }
}
