//! Reports and moderation, and the organizations' audit log.
//!
//! [`ModerationService`] (implemented by [`Moderation`]): anyone signed in
//! reports a topic, post, use case, message (its recipient only) or user,
//! once while the report is open; the target's moderators (platform
//! superusers, admins of the author's organization) are notified, list the
//! reports, resolve them (`dismiss`, `hide`, `delete`) and unhide content.
//! Every moderation action goes to the audit log, which an organization's
//! admins read here too.
//!
//! The crate knows no content domain: each implements the kernel's
//! `ModerationTarget` port for its content, and the server registers them in
//! `ModerationTargets`. Users are described by [`UserTargets`].

mod api;
mod audit_log;
mod entity;
mod reports;
mod resolve;
mod types;
mod users;

pub use api::ModerationService;
pub use reports::REQUEST_CONSTRAINTS;
pub use types::*;
pub use users::UserTargets;

use async_trait::async_trait;
use p2p_kernel::ids::{OrgId, UserId};
use p2p_kernel::ports::{
    AuditTrail, ModerationTargets, Notifier, PortError, TargetType, UserDirectory, UserSummary,
    summaries_by_id,
};
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// Who moderates content: the platform's superusers (everything) and an
/// organization's active admins (what its members wrote).
#[async_trait]
pub trait ModeratorDirectory: Send + Sync + 'static {
    async fn organization_admins(&self, org: OrgId) -> Result<Vec<UserId>, PortError>;
    /// The active platform superusers.
    async fn superusers(&self) -> Result<Vec<UserId>, PortError>;
}

/// The notifications about content: withheld from their recipients while
/// the content is hidden and once it is deleted, given back when it is
/// unhidden (implemented over the notifications by the server).
#[async_trait]
pub trait ContentNotifications: Send + Sync + 'static {
    async fn withhold(&self, target: TargetType, id: Uuid, withheld: bool)
    -> Result<(), PortError>;
}

/// What [`Moderation`] is built from.
pub struct ModerationParts {
    /// Holds the `reports` table (run the migrations first).
    pub db: DatabaseConnection,
    pub targets: ModerationTargets,
    pub users: Arc<dyn UserDirectory>,
    pub moderators: Arc<dyn ModeratorDirectory>,
    pub notifier: Arc<dyn Notifier>,
    pub notifications: Arc<dyn ContentNotifications>,
    pub audit: Arc<dyn AuditTrail>,
}

/// The moderation service (see [`ModerationService`]).
#[derive(Clone)]
pub struct Moderation {
    inner: Arc<ModerationParts>,
}

impl Moderation {
    pub fn new(parts: ModerationParts) -> Self {
        Self {
            inner: Arc::new(parts),
        }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    async fn summaries(
        &self,
        ids: impl IntoIterator<Item = UserId>,
    ) -> HashMap<UserId, UserSummary> {
        summaries_by_id(self.inner.users.as_ref(), ids).await
    }
}
