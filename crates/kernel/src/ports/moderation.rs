//! What moderation needs from the domains that own reportable content,
//! without depending on them: each content domain implements
//! [`ModerationTarget`] for its kinds of content (the forum for topics and
//! posts, use cases, messaging for messages), and the server registers them
//! in one [`ModerationTargets`].
//!
//! Hidden content is visible only to its author and to its moderators
//! (platform superusers, admins of the author's organization): see
//! [`may_see_hidden`].

use crate::actor::Actor;
use crate::error::DomainError;
use crate::ids::{OrgId, UserId};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use uuid::Uuid;

/// What can be reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetType {
    Topic,
    Post,
    UseCase,
    Message,
    User,
}

impl TargetType {
    pub const ALL: [TargetType; 5] = [
        Self::Topic,
        Self::Post,
        Self::UseCase,
        Self::Message,
        Self::User,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Topic => "topic",
            Self::Post => "post",
            Self::UseCase => "use_case",
            Self::Message => "message",
            Self::User => "user",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

impl fmt::Display for TargetType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What moderation knows about one piece of content (or user).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetInfo {
    /// Who wrote it (for a user: the user).
    pub author_id: UserId,
    /// The author's organization: its admins moderate the content.
    pub organization_id: OrgId,
    /// A short text that identifies it to a moderator (a title, an excerpt, a name).
    pub summary: String,
    pub hidden: bool,
    /// For a message, who received it (the only one who may report it).
    pub recipient_id: Option<UserId>,
}

/// One kind of reportable content, implemented by the domain that owns it.
#[async_trait]
pub trait ModerationTarget: Send + Sync + 'static {
    /// The targets of `ids` that exist and `viewer` may see (hidden content
    /// only for its author and moderators; [`Actor::system`] sees
    /// everything), by id, in a bounded number of queries whatever the
    /// number of ids (a page of reports is described at once).
    async fn describe_many(
        &self,
        viewer: &Actor,
        ids: &[Uuid],
    ) -> Result<HashMap<Uuid, TargetInfo>, DomainError>;

    /// One target, as [`ModerationTarget::describe_many`] describes it.
    async fn describe(&self, viewer: &Actor, id: Uuid) -> Result<Option<TargetInfo>, DomainError> {
        Ok(self.describe_many(viewer, &[id]).await?.remove(&id))
    }

    /// Hides (or shows again) the target on behalf of the moderator `by`;
    /// doing what is already so changes nothing.
    async fn set_hidden(&self, by: &Actor, id: Uuid, hidden: bool) -> Result<(), DomainError>;

    /// Deletes the target on behalf of the moderator `by`, as the owning
    /// domain deletes it (events, counts, files).
    async fn delete(&self, by: &Actor, id: Uuid) -> Result<(), DomainError>;
}

/// The implementation of [`ModerationTarget`] for each [`TargetType`].
#[derive(Clone, Default)]
pub struct ModerationTargets {
    targets: HashMap<TargetType, Arc<dyn ModerationTarget>>,
}

impl ModerationTargets {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn register(mut self, kind: TargetType, target: Arc<dyn ModerationTarget>) -> Self {
        self.targets.insert(kind, target);
        self
    }

    pub fn get(&self, kind: TargetType) -> Option<&Arc<dyn ModerationTarget>> {
        self.targets.get(&kind)
    }
}

/// Whether `viewer` may see hidden content written by `author` of `org`:
/// the author, an admin of `org`, a platform superuser. Never
/// [`Actor::system`]: what the platform reads for everyone (search,
/// dashboards) must not hold hidden content.
pub fn may_see_hidden(viewer: &Actor, author: UserId, org: OrgId) -> bool {
    !viewer.is_system() && (viewer.user_id == author || viewer.can_manage_org(org))
}

/// Which hidden content a viewer's lists hold (what [`may_see_hidden`]
/// allows, as a filter a store can apply).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HiddenFilter {
    /// Every hidden item (a platform superuser).
    All,
    /// No hidden item ([`Actor::system`]).
    #[default]
    None,
    /// Hidden items written by `user`, or by members of `admin_of`.
    Own {
        user: UserId,
        admin_of: Option<OrgId>,
    },
}

impl HiddenFilter {
    pub fn for_viewer(viewer: &Actor) -> Self {
        if viewer.is_system() {
            Self::None
        } else if viewer.is_superuser {
            Self::All
        } else {
            Self::Own {
                user: viewer.user_id,
                admin_of: viewer.is_org_admin().then_some(viewer.org_id),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;
    use crate::ids::SessionId;

    #[test]
    fn hidden_content_is_for_authors_and_moderators_only() {
        let (org, author) = (OrgId::new(), UserId::new());
        let member = Actor {
            user_id: UserId::new(),
            org_id: org,
            role: Role::Member,
            is_superuser: false,
            session_id: SessionId::new(),
        };
        let admin = Actor {
            role: Role::Admin,
            ..member.clone()
        };
        let writer = Actor {
            user_id: author,
            ..member.clone()
        };
        assert!(!may_see_hidden(&member, author, org));
        assert!(may_see_hidden(&admin, author, org));
        assert!(may_see_hidden(&writer, author, org));
        assert!(!may_see_hidden(&Actor::system(), author, org));
        assert_eq!(
            HiddenFilter::for_viewer(&Actor::system()),
            HiddenFilter::None
        );
        assert_eq!(
            HiddenFilter::for_viewer(&admin),
            HiddenFilter::Own {
                user: admin.user_id,
                admin_of: Some(org)
            }
        );
    }
}
