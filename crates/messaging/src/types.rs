//! Requests and responses of the messaging and notification services (they
//! become the OpenAPI schemas).

use p2p_kernel::ids::{FileId, MessageId, NotificationId, UserId};
use p2p_kernel::ports::{FileInfo, NotificationKind, UserSummary};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

/// A private message to send.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NewMessage {
    /// Any active user of the platform but the sender.
    pub recipient_id: UserId,
    /// Markdown, 1–5,000 characters; returned sanitized with its HTML.
    pub content: String,
    /// Files uploaded by the sender through `/api/v1/files` (at most 10);
    /// only the two participants can fetch them.
    #[serde(default)]
    pub attachments: Vec<FileId>,
}

/// A private message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MessageView {
    pub id: MessageId,
    pub sender_id: UserId,
    pub recipient_id: UserId,
    /// The Markdown as written.
    pub content: String,
    /// Sanitized HTML of the content.
    pub content_html: String,
    pub attachments: Vec<FileInfo>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// A moderator hid it from its recipient (only its sender sees it,
    /// with this flag).
    pub hidden: bool,
    /// A moderator deleted it: `content` is `[deleted]`, without attachments.
    pub deleted: bool,
}

/// A conversation of the caller with another user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConversationView {
    pub other_user_id: UserId,
    /// The other participant (absent if the directory cannot tell).
    pub other_user: Option<UserSummary>,
    pub last_message: MessageView,
    /// Messages from the other participant the caller has not read.
    pub unread_count: u64,
}

/// The caller's read state of a conversation after marking it read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReadState {
    /// Who read (the caller).
    pub reader_id: UserId,
    pub other_user_id: UserId,
    /// Everything up to and including this message is read.
    pub last_read_message_id: MessageId,
    /// What is still unread in the conversation for the reader.
    pub unread_count: u64,
}

/// A user the caller blocked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BlockView {
    pub user_id: UserId,
    pub user: Option<UserSummary>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A notification.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NotificationView {
    pub id: NotificationId,
    pub kind: NotificationKind,
    /// Who caused it (of a grouped notification: the latest event).
    pub actor_id: Option<UserId>,
    /// One line in the reader's language: "Nora Al-Harbi replied in "Pump
    /// seals"" or «ردّ جديد من نورة الحربي في «Pump seals»», for several
    /// grouped replies "10 new replies in "Pump seals"" or «10 ردود جديدة في
    /// «Pump seals»». The list writes it in the request's `Accept-Language`
    /// (`ar` or `en`), else in the user's `locale`; live events
    /// (`notification.created`, `notification.updated`) and email digests in
    /// the user's `locale`. Names and titles people wrote are wrapped in
    /// Unicode isolates (U+2068 … U+2069) so that each keeps its own
    /// direction, and are plain text (escape them in HTML). Notifications
    /// stored before titles were bilingual keep their English title.
    pub title: String,
    /// How many events it stands for: replies in one topic are grouped into
    /// one notification while it is unread and younger than the grouping
    /// window (`P2P_NOTIFICATION_GROUP_SECS`, 10 minutes); 1 otherwise.
    pub count: u32,
    /// Path in the web app it leads to (of a grouped notification: the
    /// latest reply).
    pub link: Option<String>,
    /// Ids of what it is about (`topic_id`, `post_id`, `message_id`...; of a
    /// grouped notification: the latest event's).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub read: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub read_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the latest event joined it (`created_at` when there is one).
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Filters of the notification list.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct NotificationFilter {
    /// Only unread notifications.
    #[serde(default)]
    pub unread: Option<bool>,
}

/// Which notifications to mark read: the given ids, or all of them.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct MarkRead {
    /// At most 100 ids of the caller's notifications.
    #[serde(default)]
    pub ids: Option<Vec<NotificationId>>,
    /// Every notification of the caller.
    #[serde(default)]
    pub all: Option<bool>,
}

/// What marking read changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MarkReadResult {
    /// Notifications that were unread and now are read.
    pub marked: u64,
    /// Unread notifications left.
    pub unread_count: u64,
}

/// Email delivery per notification kind (`true`: included in email digests).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NotificationPreferences {
    /// Kind → whether it is emailed; a change names only the kinds it changes.
    pub email: BTreeMap<NotificationKind, bool>,
}

/// The caller's unread notifications.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnreadCount {
    pub unread_count: u64,
}
