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
