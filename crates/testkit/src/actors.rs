//! Callers of a domain test that needs no stored user.

use p2p_kernel::Actor;
use p2p_kernel::Role;
use p2p_kernel::ids::{OrgId, SessionId, UserId};

/// A member (not an admin, not a superuser) of an organization of its own,
/// with fresh ids that match nothing stored.
pub fn member() -> Actor {
    Actor {
        user_id: UserId::new(),
        org_id: OrgId::new(),
        role: Role::Member,
        is_superuser: false,
        session_id: SessionId::new(),
    }
}
