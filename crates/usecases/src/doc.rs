//! The stored use case: the client view plus the normalized keys that
//! filters, sorts and facets use (the same shape in MongoDB and in SQL JSON).

use crate::types::{Status, UseCaseView};
use serde::{Deserialize, Serialize};

/// Lower-cased, trimmed: what a filter value is compared with.
pub(crate) fn key(value: &str) -> String {
    value.trim().to_lowercase()
}

/// The index keys of a use case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Keys {
    pub industry: String,
    pub technology: Vec<String>,
    pub tags: Vec<String>,
    pub city: Option<String>,
    /// Lower-case title, industry, technology, tags, problem and solution.
    pub text: String,
    /// Microseconds since the epoch of publication (creation for drafts): the `latest` order.
    pub sort_time: i64,
}

/// A use case as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UseCaseDoc {
    #[serde(flatten)]
    pub view: UseCaseView,
    pub keys: Keys,
}

impl UseCaseDoc {
    /// Wraps a view, computing its keys.
    pub fn new(view: UseCaseView) -> Self {
        let keys = Keys::of(&view);
        Self { view, keys }
    }

    pub fn is_published(&self) -> bool {
        self.view.status == Status::Published
    }
}

impl Keys {
    pub fn of(view: &UseCaseView) -> Self {
        let text = [
            view.title.as_str(),
            view.industry.as_str(),
            &view.technology.join(" "),
            &view.tags.join(" "),
            view.problem_statement.as_str(),
            view.solution.as_str(),
        ]
        .join("\n")
        .to_lowercase();
        let when = view.published_at.unwrap_or(view.created_at);
        Self {
            industry: key(&view.industry),
            technology: unique_keys(&view.technology),
            tags: unique_keys(&view.tags),
            city: view.location.as_ref().map(|l| key(&l.city)),
            text,
            sort_time: i64::try_from(when.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX),
        }
    }
}

/// The keys of `values`, each once, in first-seen order.
fn unique_keys(values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        let k = key(value);
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}
