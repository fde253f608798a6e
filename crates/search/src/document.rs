//! What the index holds: one document per user, topic, post or use case.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// The kinds of content the index covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    User,
    Topic,
    Post,
    UseCase,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::User, Kind::Topic, Kind::Post, Kind::UseCase];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Topic => "topic",
            Kind::Post => "post",
            Kind::UseCase => "use_case",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Engagement counters the dashboard aggregates and ranks by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metrics {
    pub replies: u64,
    pub upvotes: u64,
    pub participants: u64,
    pub views: u64,
    /// A post that is its topic's accepted answer.
    pub best_answer: bool,
}

/// One indexed document, as a content source describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchDocument {
    pub kind: Kind,
    pub id: Uuid,
    /// The containing document (a post's topic).
    pub parent_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    /// Plain text, weighted highest.
    pub title: String,
    /// Plain text.
    pub body: String,
    pub tags: Vec<String>,
    pub industry: Option<String>,
    pub city: Option<String>,
    /// False for drafts: only the owning organization sees them.
    pub published: bool,
    /// False for documents that count in statistics but do not show in
    /// search results (a topic's first post: the topic shows instead).
    pub searchable: bool,
    pub metrics: Metrics,
    pub created_at: OffsetDateTime,
    /// Time of the latest activity (a reply, an edit).
    pub active_at: OffsetDateTime,
}

impl SearchDocument {
    /// A document with only the required fields; the rest default.
    pub fn new(kind: Kind, id: Uuid, title: impl Into<String>, created_at: OffsetDateTime) -> Self {
        Self {
            kind,
            id,
            parent_id: None,
            organization_id: None,
            author_id: None,
            title: title.into(),
            body: String::new(),
            tags: Vec::new(),
            industry: None,
            city: None,
            published: true,
            searchable: true,
            metrics: Metrics::default(),
            created_at,
            active_at: created_at,
        }
    }
}
