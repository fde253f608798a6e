//! Responses of the dashboard service (they become OpenAPI schemas).

use p2p_search::Kind;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// The caller's own contribution.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserStats {
    /// Topics the caller opened.
    pub topics: u64,
    /// Posts the caller wrote (first posts of topics included, deleted ones not).
    pub posts: u64,
    /// The caller's posts accepted as their topic's answer.
    pub best_answers: u64,
    /// Upvotes on the caller's posts.
    pub upvotes_received: u64,
    /// Use cases the caller submitted (drafts included).
    pub use_cases: u64,
    /// Views of those use cases.
    pub use_case_views: u64,
}

/// The caller's organization.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OrganizationStats {
    pub organization_id: Uuid,
    /// Active members.
    pub members: u64,
    pub topics: u64,
    pub posts: u64,
    pub best_answers: u64,
    pub upvotes_received: u64,
    /// Use cases of the organization (drafts included).
    pub use_cases: u64,
    pub use_case_views: u64,
}

/// The whole platform.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PlatformStats {
    /// Active users.
    pub users: u64,
    /// Organizations with at least one active member.
    pub organizations: u64,
    pub topics: u64,
    pub posts: u64,
    /// Published use cases.
    pub use_cases: u64,
}

/// Statistics for the caller, their organization and the platform.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DashboardStats {
    pub me: UserStats,
    pub organization: OrganizationStats,
    pub platform: PlatformStats,
    /// When these figures were computed; they are served from a cache for at
    /// most `max_age_secs` after that.
    #[serde(with = "time::serde::rfc3339")]
    pub computed_at: OffsetDateTime,
    pub max_age_secs: u64,
}

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityType {
    TopicCreated,
    ReplyCreated,
    UseCasePublished,
    MemberJoined,
}

/// An entry of the activity feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ActivityItem {
    #[serde(rename = "type")]
    pub activity: ActivityType,
    pub kind: Kind,
    /// The topic, post, use case or user.
    pub id: Uuid,
    /// Topic or use case title, the new member's name; for a reply, its topic's title.
    pub title: String,
    /// The beginning of the text, plain.
    pub excerpt: String,
    /// Who did it (the new member for `member_joined`).
    pub actor_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    /// The topic of a reply.
    pub topic_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
}

/// Why an item ranks where it does: the inputs and each step of the formula
/// (see the crate documentation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TrendingComponents {
    pub replies: u64,
    pub upvotes: u64,
    /// Distinct authors of posts (topics).
    pub participants: u64,
    /// Views (use cases).
    pub views: u64,
    /// replies + 2·upvotes + 3·(participants − 1) + 0.25·views
    pub engagement: f64,
    /// Mean engagement of all candidates (at least 1): divides engagement so
    /// scores compare across small and large communities.
    pub community_mean: f64,
    /// Hours since the latest activity when the score was computed.
    pub age_hours: f64,
    /// Exponent of the time decay.
    pub gravity: f64,
    /// (engagement / community_mean) / (age_hours + 2)^gravity
    pub score: f64,
}

/// A trending topic or use case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TrendingItem {
    pub kind: Kind,
    pub id: Uuid,
    pub title: String,
    pub organization_id: Option<Uuid>,
    pub score: f64,
    pub components: TrendingComponents,
    #[serde(with = "time::serde::rfc3339")]
    pub refreshed_at: OffsetDateTime,
}
