//! Request and response types of the organization endpoints.

use p2p_kernel::{DayCount, Role};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// An organization as its members see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrganizationView {
    pub id: Uuid,
    pub name: String,
    /// The email domain of the organization (from its first admin's email).
    pub domain: String,
    /// Whether the organization owns `domain`: claimed once its admin
    /// verified an address there, after which signups at that domain answer
    /// 409 `organization_exists` (join by invitation). Never for a public
    /// provider's domain (gmail.com…).
    pub domain_claimed: bool,
    /// `domain` is a public email provider's: it can never be claimed.
    pub domain_public: bool,
    pub industry: Option<String>,
    /// Company size band, free text such as `11-50`.
    pub size: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub description: Option<String>,
    pub website: Option<String>,
    pub logo_url: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Active members.
    pub member_count: u64,
}

impl OrganizationView {
    pub fn from_record(org: crate::OrgRecord, member_count: u64) -> Self {
        let domain_public = crate::is_public_email_domain(&org.domain);
        Self {
            id: org.id,
            name: org.name,
            domain_claimed: org.claimed_domain.is_some() && !domain_public,
            domain_public,
            domain: org.domain,
            industry: org.industry,
            size: org.size,
            country: org.country,
            city: org.city,
            description: org.description,
            website: org.website,
            logo_url: org.logo_url,
            created_at: p2p_kernel::persistence::api_time(org.created_at),
            member_count,
        }
    }
}

/// Changes to the caller's organization (admin only). Absent fields stay as
/// they are; an empty string clears an optional field. The domain cannot change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrgPatch {
    /// 1–200 characters.
    pub name: Option<String>,
    /// At most 100 characters.
    pub industry: Option<String>,
    /// At most 50 characters.
    pub size: Option<String>,
    /// At most 100 characters.
    pub country: Option<String>,
    /// At most 100 characters.
    pub city: Option<String>,
    /// At most 5000 characters.
    pub description: Option<String>,
    /// An `http://` or `https://` URL, at most 2048 characters.
    pub website: Option<String>,
    /// An `http(s)://` URL or a path on this server (`/…`), at most 2048 characters.
    pub logo_url: Option<String>,
}

/// A member of an organization as any member of that organization sees them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MemberView {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub job_title: Option<String>,
    pub avatar_url: Option<String>,
    pub role: Role,
    /// When the member joined the organization.
    #[serde(with = "time::serde::rfc3339")]
    pub joined_at: OffsetDateTime,
}

/// Statistics of the caller's organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrgStats {
    /// Active members.
    pub members: u64,
    /// Members who joined in the last 30 days.
    pub new_members_30d: u64,
    /// Forum topics started by the organization's members.
    pub topics: u64,
    /// Forum posts written by the organization's members.
    pub posts: u64,
    /// Use cases of the organization.
    pub use_cases: u64,
    /// Content created per UTC day over the last 30 days, oldest first, one
    /// entry per day (days without activity count 0).
    pub activity: Vec<DayCount>,
}
