use super::NotificationText;
use crate::error::DomainError;
use crate::ids::{OrgId, UserId};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a notification is about. Each user turns email delivery on or off per kind.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// Someone replied to my post or in my topic.
    Reply,
    /// Someone mentioned me (`@first.last`).
    Mention,
    /// My post was marked as the best answer.
    BestAnswer,
    /// Someone sent me a private message.
    Message,
    /// I was invited to an organization, or someone I invited joined.
    Invitation,
    /// A use case of my organization was published.
    UseCasePublished,
    /// Content I moderate was reported.
    ContentReported,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 7] = [
        Self::Reply,
        Self::Mention,
        Self::BestAnswer,
        Self::Message,
        Self::Invitation,
        Self::UseCasePublished,
        Self::ContentReported,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reply => "reply",
            Self::Mention => "mention",
            Self::BestAnswer => "best_answer",
            Self::Message => "message",
            Self::Invitation => "invitation",
            Self::UseCasePublished => "use_case_published",
            Self::ContentReported => "content_reported",
        }
    }
}

impl fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for NotificationKind {
    type Err = UnknownNotificationKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(UnknownNotificationKind)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownNotificationKind;

impl fmt::Display for UnknownNotificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown notification kind")
    }
}

impl std::error::Error for UnknownNotificationKind {}

/// Who receives a notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recipients {
    /// These users (duplicates are notified once).
    Users(Vec<UserId>),
    /// Every active member of the organization.
    OrganizationMembers(OrgId),
}

/// A notification to create. The actor (who caused it) is never notified of
/// their own action, even when they are among the recipients.
#[derive(Clone, Debug, PartialEq)]
pub struct NotificationRequest {
    pub recipients: Recipients,
    pub actor_id: Option<UserId>,
    /// What it says ("Nora Al-Harbi replied in “Pump seals”"), written in
    /// each reader's language where it is shown; its variant is its kind.
    pub text: NotificationText,
    /// Path in the web app the notification leads to (`/forums/topics/<id>`).
    pub link: Option<String>,
    /// Ids of what it is about (`{"topic_id": ..., "post_id": ...}`), returned as is.
    pub data: serde_json::Value,
    /// What caused it (`post:<id>`), when it may be requested again (an
    /// outbox event handled twice): each recipient is notified of one
    /// source once.
    pub source: Option<String>,
}

impl NotificationRequest {
    pub fn new(recipients: Recipients, text: NotificationText) -> Self {
        Self {
            recipients,
            actor_id: None,
            text,
            link: None,
            data: serde_json::Value::Object(Default::default()),
            source: None,
        }
    }

    /// Sent to one user.
    pub fn to_user(user: UserId, text: NotificationText) -> Self {
        Self::new(Recipients::Users(vec![user]), text)
    }

    /// What it is about (its text's kind).
    pub fn kind(&self) -> NotificationKind {
        self.text.kind()
    }

    pub fn by(mut self, actor: UserId) -> Self {
        self.actor_id = Some(actor);
        self
    }

    pub fn link(mut self, link: impl Into<String>) -> Self {
        self.link = Some(link.into());
        self
    }

    pub fn data(mut self, data: serde_json::Value) -> Self {
        self.data = data;
        self
    }

    /// Notifies each recipient of `source` once, however often requested.
    pub fn once(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }
}

/// Creates notifications (stored, delivered live, emailed per the recipient's
/// preferences). Called after the write that causes them is committed;
/// like [`super::EventBus::publish`], it never fails the caller: implementations
/// log failures and move on.
#[async_trait]
pub trait Notifier: Send + Sync + 'static {
    async fn notify(&self, requests: Vec<NotificationRequest>);

    /// Like [`Self::notify`], but a failure is returned (for callers that
    /// retry, such as an outbox handler; give the requests a source with
    /// [`NotificationRequest::once`] so a retry notifies nobody twice).
    async fn deliver(&self, requests: Vec<NotificationRequest>) -> Result<(), DomainError> {
        self.notify(requests).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::NotificationKind;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for kind in NotificationKind::ALL {
            assert_eq!(kind.as_str().parse::<NotificationKind>(), Ok(kind));
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(serde_json::Value::String(kind.as_str().into()))
            );
        }
        assert!("nope".parse::<NotificationKind>().is_err());
    }
}
