//! Who is calling: passed into every service method that needs authorization.

use crate::error::DomainError;
use crate::ids::{OrgId, SessionId, UserId};
use serde::{Deserialize, Serialize};

/// A user's role inside their organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            _ => None,
        }
    }
}

/// The authenticated caller of a service method.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub org_id: OrgId,
    pub role: Role,
    pub is_superuser: bool,
    pub session_id: SessionId,
}

impl Actor {
    /// The platform itself, for background work that reads across every
    /// organization (the search indexer): a superuser that is no user. Its
    /// ids are nil, so they match no stored user, organization or session,
    /// and what it reads is never shown to anyone as it is (the search
    /// service applies visibility per caller).
    pub fn system() -> Self {
        Self {
            user_id: UserId(uuid::Uuid::nil()),
            org_id: OrgId(uuid::Uuid::nil()),
            role: Role::Member,
            is_superuser: true,
            session_id: SessionId(uuid::Uuid::nil()),
        }
    }

    /// Whether this is [`Actor::system`].
    pub fn is_system(&self) -> bool {
        self.is_superuser && self.user_id.0.is_nil()
    }

    pub fn is_org_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Admin of `org` (or a platform superuser).
    pub fn can_manage_org(&self, org: OrgId) -> bool {
        self.is_superuser || (self.org_id == org && self.is_org_admin())
    }

    /// Fails with `forbidden` unless the caller administers `org`.
    pub fn require_org_admin(&self, org: OrgId) -> Result<(), DomainError> {
        if self.can_manage_org(org) {
            Ok(())
        } else {
            Err(DomainError::forbidden(
                "this action needs an organization admin",
            ))
        }
    }

    /// Fails with `forbidden` unless the caller is a platform superuser.
    pub fn require_superuser(&self) -> Result<(), DomainError> {
        if self.is_superuser {
            Ok(())
        } else {
            Err(DomainError::forbidden(
                "this action needs a platform operator",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_actor_reads_everywhere_and_is_nobody() {
        let system = Actor::system();
        assert!(system.is_system());
        assert!(system.can_manage_org(OrgId(uuid::Uuid::new_v4())));
        let user = Actor {
            user_id: UserId(uuid::Uuid::new_v4()),
            ..Actor::system()
        };
        assert!(!user.is_system());
    }
}
