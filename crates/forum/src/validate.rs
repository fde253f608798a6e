//! Checking and normalizing input, reporting every bad field at once.

use crate::types::{NewPost, NewTopic, PostPatch, TopicPatch};
use p2p_kernel::DomainError;
use p2p_kernel::FieldCode;
use p2p_kernel::ids::FileId;
use p2p_kernel::text::{FieldConstraint, TextRule};
use p2p_kernel::validate::Validator;

const TITLE: TextRule = TextRule::line(5, 200);
const CONTENT: TextRule = TextRule::markdown(1, 20_000);
/// Empty or blank: no category.
const CATEGORY: TextRule = TextRule::line(0, 100);
const TAG: TextRule = TextRule::line(1, 40);
const TAGS_MAX: usize = 10;
const ATTACHMENTS_MAX: usize = 10;

/// The rules above, as the OpenAPI document states them.
pub const REQUEST_CONSTRAINTS: &[FieldConstraint] = &[
    FieldConstraint::text("NewTopic", "title", TITLE),
    FieldConstraint::text("NewTopic", "content", CONTENT),
    FieldConstraint::text("NewTopic", "category", CATEGORY),
    FieldConstraint::text("NewTopic", "tags[]", TAG),
    FieldConstraint::max_items("NewTopic", "tags", TAGS_MAX),
    FieldConstraint::unique_items("NewTopic", "attachments", ATTACHMENTS_MAX),
    FieldConstraint::text("TopicPatch", "title", TITLE),
    FieldConstraint::text("TopicPatch", "category", CATEGORY),
    FieldConstraint::text("TopicPatch", "tags[]", TAG),
    FieldConstraint::max_items("TopicPatch", "tags", TAGS_MAX),
    FieldConstraint::text("NewPost", "content", CONTENT),
    FieldConstraint::unique_items("NewPost", "attachments", ATTACHMENTS_MAX),
    FieldConstraint::text("PostPatch", "content", CONTENT),
    FieldConstraint::unique_items("PostPatch", "attachments", ATTACHMENTS_MAX),
];

/// A topic ready to be stored.
pub(crate) struct CleanTopic {
    pub title: String,
    pub content: String,
    pub category: Option<String>,
    pub tags: Vec<String>,
    pub attachments: Vec<FileId>,
}

pub(crate) struct CleanPatch {
    pub title: Option<String>,
    /// `Some(None)` removes the category.
    pub category: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
}

pub(crate) struct CleanPost {
    pub content: String,
    pub attachments: Option<Vec<FileId>>,
}

fn title(v: &mut Validator, value: &str) -> String {
    v.text("title", value, TITLE)
}

fn content(v: &mut Validator, value: &str) -> String {
    v.text("content", value, CONTENT)
}

fn category(v: &mut Validator, value: Option<&str>) -> Option<String> {
    let category = v.optional_text("category", value, CATEGORY)?;
    fits_lower_cased(v, "category", &category_key(&category), CATEGORY);
    Some(category)
}

/// A few letters grow when lower-cased (`İ` becomes two characters): the
/// lower-cased key of a valid value is stored too and must fit as well.
fn fits_lower_cased(v: &mut Validator, field: &str, lower: &str, rule: TextRule) {
    if v.is_empty() {
        v.optional_length(field, Some(lower), rule.max);
    }
}

/// Trimmed, lower-cased, duplicates removed (first occurrence kept).
pub(crate) fn normalize_tag(tag: &str) -> String {
    tag.trim().to_lowercase()
}

/// At most [`TAGS_MAX`] as sent, each checked, then normalized and deduplicated.
fn tags(v: &mut Validator, values: &[String]) -> Vec<String> {
    v.at_most("tags", values.len(), TAGS_MAX, "tags");
    let mut out: Vec<String> = Vec::new();
    for (i, raw) in values.iter().enumerate() {
        let field = format!("tags[{i}]");
        let tag = normalize_tag(&v.text(&field, raw, TAG));
        fits_lower_cased(v, &field, &tag, TAG);
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    out
}

/// At most [`ATTACHMENTS_MAX`] files, each listed once (the files port
/// checks that they exist and may be attached).
fn attachments(v: &mut Validator, values: &[FileId]) -> Vec<FileId> {
    v.at_most("attachments", values.len(), ATTACHMENTS_MAX, "attachments");
    for (i, id) in values.iter().enumerate() {
        if values[..i].contains(id) {
            v.add(
                &format!("attachments[{i}]"),
                FieldCode::Duplicate,
                "the file is listed twice",
            );
        }
    }
    values.to_vec()
}

pub(crate) fn new_topic(input: NewTopic) -> Result<CleanTopic, DomainError> {
    let mut v = Validator::new();
    let clean = CleanTopic {
        title: title(&mut v, &input.title),
        content: content(&mut v, &input.content),
        category: category(&mut v, input.category.as_deref()),
        tags: tags(&mut v, input.tags.as_deref().unwrap_or_default()),
        attachments: attachments(&mut v, input.attachments.as_deref().unwrap_or_default()),
    };
    v.finish().map(|()| clean)
}

pub(crate) fn topic_patch(input: TopicPatch) -> Result<CleanPatch, DomainError> {
    let mut v = Validator::new();
    let clean = CleanPatch {
        title: input.title.as_deref().map(|t| title(&mut v, t)),
        category: input.category.as_deref().map(|c| category(&mut v, Some(c))),
        tags: input.tags.as_deref().map(|t| tags(&mut v, t)),
    };
    v.finish().map(|()| clean)
}

pub(crate) fn new_post(input: &NewPost) -> Result<CleanPost, DomainError> {
    let mut v = Validator::new();
    let clean = CleanPost {
        content: content(&mut v, &input.content),
        attachments: input.attachments.as_deref().map(|a| attachments(&mut v, a)),
    };
    v.finish().map(|()| clean)
}

pub(crate) fn post_patch(input: &PostPatch) -> Result<CleanPost, DomainError> {
    let mut v = Validator::new();
    let clean = CleanPost {
        content: content(&mut v, &input.content),
        attachments: input.attachments.as_deref().map(|a| attachments(&mut v, a)),
    };
    v.finish().map(|()| clean)
}

/// Category filter value: the key topics are stored under.
pub(crate) fn category_key(category: &str) -> String {
    category.trim().to_lowercase()
}

/// The words of a search query, lower-cased (at most 8, each at most 100 characters).
pub(crate) fn query_words(q: &str) -> Vec<String> {
    q.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(|w| w.chars().take(100).collect::<String>().to_lowercase())
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use p2p_kernel::ErrorCode;

    fn codes(e: DomainError) -> Vec<(String, String)> {
        e.field_errors()
            .iter()
            .map(|f| (f.field.clone(), f.code.as_str().to_owned()))
            .collect()
    }

    #[test]
    fn topic_rules() {
        let err = new_topic(NewTopic {
            title: "abc".into(),
            content: " ".into(),
            category: Some("a\u{7}b".into()),
            tags: Some((0..12).map(|i| format!("T{i}")).collect()),
            attachments: None,
        })
        .err()
        .unwrap();
        assert_eq!(
            codes(err),
            vec![
                ("title".to_string(), "too_short".to_string()),
                ("content".to_string(), "required".to_string()),
                ("category".to_string(), "invalid_characters".to_string()),
                ("tags".to_string(), "too_many".to_string()),
            ]
        );
        let ok = new_topic(NewTopic {
            title: "  Pump cavitation  ".into(),
            content: "Why?\n".into(),
            category: Some("  ".into()),
            tags: Some(vec!["Pumps".into(), " pumps ".into(), "Maintenance".into()]),
            attachments: None,
        })
        .ok()
        .unwrap();
        assert_eq!(ok.title, "Pump cavitation");
        assert_eq!(ok.category, None);
        assert_eq!(ok.tags, vec!["pumps", "maintenance"]);
    }

    #[test]
    fn content_rejects_nul_but_keeps_newlines() {
        assert!(
            new_post(&NewPost {
                content: "a\0b".into(),
                ..Default::default()
            })
            .is_err()
        );
        assert!(
            new_post(&NewPost {
                content: "a\n\tb".into(),
                ..Default::default()
            })
            .is_ok()
        );
    }

    #[test]
    fn words() {
        assert_eq!(
            query_words("  Pump  CAVITATION "),
            vec!["pump", "cavitation"]
        );
    }
}
