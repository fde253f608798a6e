//! Ports: what domains need from infrastructure, independent of the backend.
//! Every port has an in-process adapter (the embedded default) and a networked
//! one (the full deployment), both checked by the same contract suite.

mod audit;
mod cache;
mod clock;
mod current;
mod events;
mod files;
mod health;
mod mail;
mod moderation;
mod notification_text;
mod notify;
mod pubsub;
mod rate_limit;
mod users;

pub use audit::{AuditAction, AuditEntry, AuditEvent, AuditTrail};
pub use cache::Cache;
pub use clock::{Clock, SystemClock};
pub use current::{CurrentState, CurrentStates};
pub use events::EventBus;
pub use files::{FileAccess, FileInfo, FileOwner, FileUpload, Files, PersonalFiles, UploadBody};
pub use health::HealthProbe;
pub use mail::{Mailer, OutgoingEmail};
pub use moderation::{
    HiddenFilter, ModerationTarget, ModerationTargets, TargetInfo, TargetType, may_see_hidden,
};
pub use notification_text::NotificationText;
pub use notify::{
    NotificationKind, NotificationRequest, Notifier, Recipients, UnknownNotificationKind,
};
pub use pubsub::{MessageStream, PubSub};
pub use rate_limit::{RateDecision, RateLimiter};
pub use users::{UserDirectory, UserSummary, handle_key, mention_handle, summaries_by_id};

use std::fmt;

/// A backend failed to answer (down, timed out, refused).
#[derive(Debug)]
pub struct PortError {
    pub backend: &'static str,
    pub message: String,
}

impl PortError {
    pub fn new(backend: &'static str, err: impl fmt::Display) -> Self {
        Self {
            backend,
            message: err.to_string(),
        }
    }
}

impl fmt::Display for PortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.backend, self.message)
    }
}

impl std::error::Error for PortError {}
