//! [`Notifications`]: stored notifications with read state, live
//! delivery, per-kind email preferences and batched email digests.

mod create;
mod digest;
mod group;
mod list;
mod prefs;
mod replay;
mod sources;
mod withhold;

pub use digest::{DigestConfig, DigestWorker, EmailRecipient};
pub use group::{DEFAULT_GROUP_WINDOW, Subjects, replies_title};
pub use list::NOTIFICATION_CONSTRAINTS;
pub use replay::NOTIFICATION_KIND;

use async_trait::async_trait;
use p2p_kernel::Locale;
use p2p_kernel::ids::{OrgId, UserId};
use p2p_kernel::ports::{EventBus, PortError};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// What notifications need to know about users beyond the kernel's
/// `UserDirectory`: where to email them and who belongs to an organization.
/// Implemented over the identity domain by the server.
#[async_trait]
pub trait RecipientDirectory: Send + Sync + 'static {
    /// Email addresses and languages of the given active users (others are left out).
    async fn emails(&self, ids: &[UserId]) -> Result<Vec<EmailRecipient>, PortError>;
    /// The active members of an organization.
    async fn organization_members(&self, org: OrgId) -> Result<Vec<UserId>, PortError>;
}

/// Notifications: created through the kernel's `Notifier` port by every
/// domain (forum replies, mentions and best answers, messages, invitations,
/// published use cases), listed newest first, marked read one by one or all.
///
/// Each notification is announced as `notification.created` (a
/// [`crate::NotificationView`]) on its user's `user:<id>` channel. Replies
/// in one topic are grouped (see `group.rs`): while the user's notification
/// about that topic is unread and younger than
/// [`NotificationParts::group_window`], a new reply adds one to its `count`
/// and is announced as `notification.updated` (the same notification, its
/// new count and title). When the user wants emails of its kind (the
/// default), it waits for that user's next digest: the first pending
/// notification schedules one digest email at the end of a window
/// ([`DigestConfig::window`]), and everything pending by then goes into that
/// one email, written to the mail outbox in the transaction that marks them
/// sent. A busy thread makes one email per window, not one per reply.
///
/// What a notification says is stored as its parts
/// (`p2p_kernel::ports::NotificationText`) and written in the reader's
/// language when shown: the list in the request's (else the user's), live
/// events, replays and digests in the user's.
#[derive(Clone)]
pub struct Notifications {
    inner: Arc<Inner>,
}

/// What [`Notifications`] works with.
pub struct NotificationParts {
    /// Holds the notification tables (run the migrations first).
    pub db: DatabaseConnection,
    pub events: Arc<dyn EventBus>,
    pub directory: Arc<dyn RecipientDirectory>,
    pub digest: DigestConfig,
    /// How long after its first reply a notification about a topic still
    /// takes the next ones (while unread); zero: never grouped.
    pub group_window: Duration,
}

struct Inner {
    parts: NotificationParts,
    /// Titles of what grouped notifications are about (set once, after the
    /// forum that needs these notifications exists).
    subjects: OnceLock<Arc<dyn Subjects>>,
}

impl Notifications {
    pub fn new(parts: NotificationParts) -> Self {
        Self {
            inner: Arc::new(Inner {
                parts,
                subjects: OnceLock::new(),
            }),
        }
    }

    /// Where grouped notifications find their topics' titles (without it
    /// they say how many replies, not where). Call once, at startup.
    pub fn set_subjects(&self, subjects: Arc<dyn Subjects>) {
        if self.inner.subjects.set(subjects).is_err() {
            tracing::warn!("the notifications' subjects were already set");
        }
    }

    /// The languages `users` read the platform in (English for those the
    /// directory does not return, and for everyone when it fails).
    async fn locales(&self, users: &[UserId]) -> HashMap<UserId, Locale> {
        match self.parts().directory.emails(users).await {
            Ok(found) => found.into_iter().map(|r| (r.user, r.locale)).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "users' languages not found; notifications in English");
                HashMap::new()
            }
        }
    }

    /// The language `user` reads the platform in.
    async fn locale_of(&self, user: UserId) -> Locale {
        let locales = self.locales(&[user]).await;
        locales.get(&user).copied().unwrap_or_default()
    }

    fn db(&self) -> &DatabaseConnection {
        &self.inner.parts.db
    }

    fn parts(&self) -> &NotificationParts {
        &self.inner.parts
    }
}
