//! Private messaging and notifications.
//!
//! [`MessagingService`] (implemented by [`Messaging`]): 1:1 conversations between any two active users of
//! the platform, read state per participant (unread counts are counted, never
//! stored, so they cannot drift), blocking, a per-sender rate limit, content
//! sanitized like forum posts, live delivery on `user:<id>` channels.
//!
//! [`NotificationService`] (implemented by [`Notifications`]): notifications of every kind (it implements the
//! kernel's `Notifier` port that the other domains call), read state, live
//! delivery, email preferences per kind and batched email digests through the
//! mail outbox.
//!
//! Both keep their data in the relational database (PostgreSQL or SQLite).

mod api;
mod content;
mod entity;
mod messages;
mod notifications;
mod types;

pub use api::{MessagingService, NotificationService};
pub use messages::{
    MESSAGE_CREATED, MESSAGE_FILES, MESSAGE_KIND, MessageFiles, MessageTargets, Messaging,
    MessagingParts, REQUEST_CONSTRAINTS, SendLimit, TOMBSTONE,
};
pub use notifications::{
    DEFAULT_GROUP_WINDOW, DigestConfig, DigestWorker, EmailRecipient, NOTIFICATION_CONSTRAINTS,
    NOTIFICATION_KIND, NotificationParts, Notifications, RecipientDirectory, Subjects,
    replies_title,
};
pub use types::*;
