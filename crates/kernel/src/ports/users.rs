use super::PortError;
use crate::ids::{OrgId, UserId};
use crate::text::arabic;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What other domains may know about a user: enough to show an author or a
/// mention. Implemented by the identity domain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserSummary {
    pub id: UserId,
    pub display_name: String,
    /// The name used in `@mentions`: lower-case `first.last` (see [`mention_handle`]).
    pub handle: String,
    pub organization_id: OrgId,
    pub job_title: Option<String>,
    pub avatar_url: Option<String>,
    pub is_active: bool,
    /// The person erased their account: `display_name` and `handle` are
    /// empty and nothing identifies them. Clients show a neutral name in
    /// the reader's language ("Deleted user", «مستخدم محذوف»).
    #[serde(default)]
    #[schema(required = true)]
    pub erased: bool,
}

/// The mention handle of a person: `first.last`, lower-case, letters and digits
/// only within each part (`"Nora Al-Harbi"` → `nora.alharbi`, `"أحمد العتيبي"`
/// → `أحمد.العتيبي`; Arabic diacritics and tatweel are left out:
/// `"أحمَـد"` → `أحمد`).
pub fn mention_handle(first_name: &str, last_name: &str) -> String {
    let part = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric() && !arabic::is_dropped(*c))
            .flat_map(char::to_lowercase)
            .collect()
    };
    match (part(first_name), part(last_name)) {
        (f, l) if l.is_empty() => f,
        (f, l) if f.is_empty() => l,
        (f, l) => format!("{f}.{l}"),
    }
}

/// What mention handles are compared on: the handle with its Arabic
/// spelling folded and in lower case ([`arabic::fold`]), so `@احمد.العتيبي`
/// mentions «أحمد العتيبي» and `@أحمد` mentions «احمد» (as people type
/// them, with or without hamza, madda or taa marbuta dots).
pub fn handle_key(handle: &str) -> String {
    arabic::fold(handle)
}

/// Looks users up across the platform.
#[async_trait]
pub trait UserDirectory: Send + Sync + 'static {
    /// Summaries of the given users (unknown ids are left out).
    async fn summaries(&self, ids: &[UserId]) -> Result<Vec<UserSummary>, PortError>;
    /// Active users whose mention handle is one of `handles`, compared by
    /// [`handle_key`] (`@احمد` finds «أحمد»).
    async fn find_by_handles(&self, handles: &[String]) -> Result<Vec<UserSummary>, PortError>;
}

/// Summaries of `ids` by id (each looked up once) for showing people next to
/// content: when the directory fails, a warning and none, so the page still
/// shows, without names.
pub async fn summaries_by_id(
    directory: &dyn UserDirectory,
    ids: impl IntoIterator<Item = UserId>,
) -> HashMap<UserId, UserSummary> {
    let mut ids: Vec<UserId> = ids.into_iter().collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return HashMap::new();
    }
    match directory.summaries(&ids).await {
        Ok(list) => list.into_iter().map(|u| (u.id, u)).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "user directory failed; users left out");
            HashMap::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::mention_handle;

    #[test]
    fn handles() {
        assert_eq!(mention_handle("Nora", "Al-Harbi"), "nora.alharbi");
        assert_eq!(mention_handle("Ali", ""), "ali");
        assert_eq!(mention_handle("Ömer", "Şen"), "ömer.şen");
        assert_eq!(mention_handle("أحمد", "العتيبي"), "أحمد.العتيبي");
        assert_eq!(mention_handle("أحمَد", "العـتيبي"), "أحمد.العتيبي");
        assert_eq!(mention_handle("عبد الله", "آل سعود"), "عبدالله.آلسعود");
    }
}
