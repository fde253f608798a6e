//! Requests and responses of the search service (they become OpenAPI schemas).

use crate::document::Kind;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A search: words, and filters combined with AND.
#[derive(Clone, Debug, Default, Deserialize, IntoParams, ToSchema)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words that must all match: 1–200 characters. A word is a run of
    /// letters and digits (at most 64); the first ten distinct words are
    /// searched, and a query without one (only spaces or punctuation) matches
    /// nothing. A word of 5+ letters also matches indexed words one typo away.
    #[serde(default)]
    #[param(required = true, min_length = 1, max_length = 200)]
    pub q: String,
    /// Only this kind (within what the endpoint covers).
    #[serde(default)]
    pub kind: Option<Kind>,
    /// Only content of this organization (users: its members).
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    /// Only content carrying this tag (case-insensitive).
    #[serde(default)]
    pub tag: Option<String>,
    /// Only use cases of this industry (case-insensitive).
    #[serde(default)]
    pub industry: Option<String>,
    /// Created at or after this time (RFC 3339); not after `to` (422
    /// `validation_failed`, field `from`: `invalid_range`).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub from: Option<OffsetDateTime>,
    /// Created before this time (RFC 3339).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub to: Option<OffsetDateTime>,
}

/// What an endpoint searches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchScope {
    All,
    Users,
    /// Topics and posts.
    Forums,
    UseCases,
}

impl SearchScope {
    pub fn kinds(self) -> &'static [Kind] {
        match self {
            SearchScope::All => &Kind::ALL,
            SearchScope::Users => &[Kind::User],
            SearchScope::Forums => &[Kind::Topic, Kind::Post],
            SearchScope::UseCases => &[Kind::UseCase],
        }
    }
}

/// One result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SearchHit {
    pub kind: Kind,
    pub id: Uuid,
    /// A user's name, a topic's or use case's title; for a post, its topic's title.
    pub title: String,
    /// An extract around the matched words, HTML-escaped, matches wrapped in `<mark>`.
    pub snippet: String,
    /// Rank: relevance (title over tags over body) plus a recency boost.
    pub score: f64,
    pub organization_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    /// The topic of a post.
    pub topic_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
