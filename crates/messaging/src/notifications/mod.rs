//! [`Notifications`]: stored notifications with read state, live
//! delivery, per-kind email preferences and batched email digests.

mod create;
mod digest;
mod list;
mod prefs;

pub use digest::{DigestConfig, DigestWorker};

use async_trait::async_trait;
use p2p_kernel::ids::{OrgId, UserId};
use p2p_kernel::ports::{EventBus, PortError};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// What notifications need to know about users beyond the kernel's
/// `UserDirectory`: where to email them and who belongs to an organization.
/// Implemented over the identity domain by the server.
#[async_trait]
pub trait RecipientDirectory: Send + Sync + 'static {
    /// Email addresses of the given active users (others are left out).
    async fn emails(&self, ids: &[UserId]) -> Result<Vec<(UserId, String)>, PortError>;
    /// The active members of an organization.
    async fn organization_members(&self, org: OrgId) -> Result<Vec<UserId>, PortError>;
}

/// Notifications: created through the kernel's `Notifier` port by every
/// domain (forum replies, mentions and best answers, messages, invitations,
/// published use cases), listed newest first, marked read one by one or all.
///
/// Each notification is announced as `notification.created` (a
/// [`crate::NotificationView`]) on its user's `user:<id>` channel. When the
/// user wants emails of its kind (the default), it waits for that user's next
/// digest: the first pending notification schedules one digest email at the
/// end of a window ([`DigestConfig::window`]), and everything pending by then
/// goes into that one email, written to the mail outbox in the transaction
/// that marks them sent. A busy thread makes one email per window, not one
/// per reply.
#[derive(Clone)]
pub struct Notifications {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    events: Arc<dyn EventBus>,
    directory: Arc<dyn RecipientDirectory>,
    digest: DigestConfig,
}

impl Notifications {
    pub fn new(
        db: DatabaseConnection,
        events: Arc<dyn EventBus>,
        directory: Arc<dyn RecipientDirectory>,
        digest: DigestConfig,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                db,
                events,
                directory,
                digest,
            }),
        }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }
}
