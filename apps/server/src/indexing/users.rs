//! Users: active users' public profiles (name, job title, bio); deactivated
//! users are removed from the index. Emails are never indexed.

use super::{found, id_of, indexer_actor};
use async_trait::async_trait;
use p2p_identity::{IdentityService, PublicProfile};
use p2p_kernel::ids::UserId;
use p2p_kernel::{DomainError, Event};
use p2p_search::{Change, ContentSource, Kind, ScanBatch, SearchDocument};
use std::sync::Arc;
use uuid::Uuid;

const SCAN_BATCH: u64 = 500;

pub struct UserSource {
    identity: Arc<dyn IdentityService>,
}

impl UserSource {
    pub fn new(identity: Arc<dyn IdentityService>) -> Self {
        Self { identity }
    }
}

#[async_trait]
impl ContentSource for UserSource {
    fn name(&self) -> &'static str {
        "users"
    }

    fn changes(&self, event: &Event) -> Vec<Change> {
        match event.name.as_str() {
            "user.updated" | "member.updated" | "member.joined" => id_of(&event.data, "user_id")
                .map(|id| vec![Change::Refresh(Kind::User, id)])
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    async fn load(&self, _kind: Kind, id: Uuid) -> Result<Option<SearchDocument>, DomainError> {
        let profile = found(self.identity.get_user(&indexer_actor(), UserId(id)).await)?;
        Ok(profile.and_then(document))
    }

    async fn scan(&self, after: Option<String>) -> Result<ScanBatch, DomainError> {
        let after = after.and_then(|a| Uuid::parse_str(&a).ok()).map(UserId);
        let profiles = self
            .identity
            .public_profiles_after(&indexer_actor(), after, SCAN_BATCH)
            .await?;
        let next = (profiles.len() as u64 == SCAN_BATCH)
            .then(|| profiles.last().map(|p| p.id.to_string()))
            .flatten();
        let documents = profiles.into_iter().filter_map(document).collect();
        Ok(ScanBatch { documents, next })
    }
}

/// The index document of an active user's public profile (none for a deactivated one).
fn document(p: PublicProfile) -> Option<SearchDocument> {
    if !p.is_active {
        return None;
    }
    let mut doc = SearchDocument::new(
        Kind::User,
        p.id,
        format!("{} {}", p.first_name, p.last_name),
        p.created_at,
    );
    doc.organization_id = Some(p.organization_id);
    doc.body = [p.job_title, p.bio, Some(p.organization_name)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" — ");
    Some(doc)
}
