//! The audit trail: an append-only record of who did what in an organization
//! (role changes, deactivations, invitations, pins, locks, deletions by
//! admins, moderation actions), listed to the organization's admins by
//! `GET /api/v1/organizations/audit-log`.
//!
//! A service that makes such a change records it after the change succeeded:
//!
//! ```ignore
//! audit
//!     .record(
//!         AuditEvent::new(org, actor.user_id, AuditAction::RoleChanged, "user", user_id)
//!             .details(serde_json::json!({"from": "member", "to": "admin"})),
//!     )
//!     .await?;
//! ```
//!
//! The server hands every service one `Arc<dyn AuditTrail>` (the relational
//! store, [`crate::audit::SqlAuditTrail`]); tests may use their own.

use crate::error::DomainError;
use crate::ids::{OrgId, UserId};
use crate::page::{Page, PageRequest};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;
use uuid::Uuid;

macro_rules! actions {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, )*) => {
        /// What happened. On the wire (and in storage) as snake_case text;
        /// a new kind of event is a new variant, never a renamed one.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum AuditAction {
            $( $(#[$doc])* $variant, )*
        }

        impl AuditAction {
            /// Every action, in declaration order.
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant),*];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $text,)*
                }
            }

            /// The action named `text`, if there is one.
            pub fn parse(text: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|a| a.as_str() == text)
            }
        }
    };
}

actions! {
    /// A member's role changed (`details: {from, to}`).
    RoleChanged = "role_changed",
    /// A user was deactivated.
    UserDeactivated = "user_deactivated",
    /// A user was reactivated.
    UserReactivated = "user_reactivated",
    /// An invitation was sent (`details: {email, role}`).
    InvitationSent = "invitation_sent",
    /// An invitation was sent again with a new link.
    InvitationResent = "invitation_resent",
    /// An invitation was withdrawn.
    InvitationRevoked = "invitation_revoked",
    TopicPinned = "topic_pinned",
    TopicUnpinned = "topic_unpinned",
    TopicLocked = "topic_locked",
    TopicUnlocked = "topic_unlocked",
    /// An admin or moderator deleted content someone else wrote.
    ContentDeletedByAdmin = "content_deleted_by_admin",
    /// A report was resolved (`details: {action, note, report_id}`).
    ReportResolved = "report_resolved",
    /// Content was hidden by a moderator.
    ContentHidden = "content_hidden",
    /// Hidden content was shown again.
    ContentUnhidden = "content_unhidden",
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing that happened, to record.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEvent {
    /// The organization whose log shows it: the organization of the content's
    /// author or of the user concerned (not necessarily the actor's).
    pub organization_id: OrgId,
    /// Who did it.
    pub actor_id: UserId,
    pub action: AuditAction,
    /// What it was done to: `user`, `invitation`, `topic`, `post`,
    /// `use_case`, `message`, `report`.
    pub target_type: String,
    /// The id of the target.
    pub target_id: String,
    /// Anything else worth showing (`{}` when nothing); returned as is.
    pub details: serde_json::Value,
}

impl AuditEvent {
    pub fn new(
        organization_id: OrgId,
        actor_id: UserId,
        action: AuditAction,
        target_type: impl Into<String>,
        target_id: impl fmt::Display,
    ) -> Self {
        Self {
            organization_id,
            actor_id,
            action,
            target_type: target_type.into(),
            target_id: target_id.to_string(),
            details: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }
}

/// One recorded event, as the log lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub id: Uuid,
    /// When it was recorded.
    pub at: OffsetDateTime,
    pub event: AuditEvent,
}

/// The append-only audit log. There is no update and no delete.
#[async_trait]
pub trait AuditTrail: Send + Sync + 'static {
    /// Appends `event`, timestamped now. Call it once the change it records
    /// has succeeded; an error means nothing was recorded.
    async fn record(&self, event: AuditEvent) -> Result<(), DomainError>;

    /// The organization's entries, newest first, `page.limit` at a time.
    async fn list(&self, org: OrgId, page: &PageRequest) -> Result<Page<AuditEntry>, DomainError>;
}

#[cfg(test)]
mod tests {
    use super::AuditAction;

    #[test]
    fn actions_round_trip_through_their_names() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(*action));
            assert_eq!(
                serde_json::to_value(action).ok(),
                Some(serde_json::Value::String(action.as_str().into()))
            );
        }
        assert_eq!(AuditAction::parse("nope"), None);
    }
}
