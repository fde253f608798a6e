//! The relational audit trail lists an organization's entries newest first,
//! page by page, and never another organization's.

use p2p_kernel::PageRequest;
use p2p_kernel::audit::SqlAuditTrail;
use p2p_kernel::ids::{OrgId, UserId};
use p2p_kernel::ports::{AuditAction, AuditEvent, AuditTrail};

#[tokio::test]
async fn entries_are_listed_newest_first_per_organization() {
    let (db, dir) = crate::support::sqlite("audit").await;
    let trail = SqlAuditTrail::new(db);
    let (org, other, admin) = (OrgId::new(), OrgId::new(), UserId::new());
    let actions = [
        AuditAction::TopicPinned,
        AuditAction::TopicLocked,
        AuditAction::RoleChanged,
    ];
    for action in actions {
        let event = AuditEvent::new(org, admin, action, "topic", "t-1")
            .details(serde_json::json!({"n": action.as_str()}));
        trail.record(event).await.unwrap_or_else(|e| panic!("{e}"));
    }
    let foreign = AuditEvent::new(other, admin, AuditAction::ContentHidden, "post", "p");
    trail
        .record(foreign)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let first = trail
        .list(org, &PageRequest::first(2))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let seen: Vec<_> = first.items.iter().map(|e| e.event.action).collect();
    assert_eq!(seen, [AuditAction::RoleChanged, AuditAction::TopicLocked]);
    assert_eq!(
        first.items[0].event.details,
        serde_json::json!({"n": "role_changed"})
    );
    assert_eq!(first.items[0].event.actor_id, admin);
    let next = PageRequest::new(Some(2), first.next_cursor).unwrap_or_else(|e| panic!("{e}"));
    let second = trail
        .list(org, &next)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let seen: Vec<_> = second.items.iter().map(|e| e.event.action).collect();
    assert_eq!(seen, [AuditAction::TopicPinned]);
    assert_eq!(second.next_cursor, None);
    let _ = std::fs::remove_dir_all(dir);
}
