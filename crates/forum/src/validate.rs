//! Checking and normalizing input, reporting every bad field at once.

use crate::types::{NewPost, NewTopic, PostPatch, TopicPatch};
use p2p_kernel::DomainError;
use p2p_kernel::FieldCode;
use p2p_kernel::FieldError;
use p2p_kernel::ids::FileId;
use p2p_kernel::validate::Validator;

pub(crate) const TITLE_MIN: usize = 5;
pub(crate) const TITLE_MAX: usize = 200;
pub(crate) const CONTENT_MAX: usize = 20_000;
pub(crate) const CATEGORY_MAX: usize = 100;
pub(crate) const TAGS_MAX: usize = 10;
pub(crate) const TAG_MAX: usize = 40;
pub(crate) const ATTACHMENTS_MAX: usize = 10;

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

/// Plain text (titles, categories, tags, file names): no control characters
/// and no markup.
fn plain(v: &mut Validator, field: &str, value: &str) {
    v.plain_text(field, value);
}

fn title(v: &mut Validator, value: &str) -> String {
    v.length("title", value, TITLE_MIN, TITLE_MAX);
    plain(v, "title", value);
    value.trim().to_owned()
}

/// Markdown: line breaks and tabs are fine, other control characters are not.
fn content(v: &mut Validator, value: &str) -> String {
    v.length("content", value, 1, CONTENT_MAX);
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        v.add(
            "content",
            FieldCode::InvalidCharacters,
            "must not contain control characters other than line breaks and tabs",
        );
    }
    value.trim_end().to_owned()
}

fn category(v: &mut Validator, value: Option<&str>) -> Option<String> {
    let value = value.map(str::trim).filter(|c| !c.is_empty())?;
    v.optional_length("category", Some(value), CATEGORY_MAX);
    plain(v, "category", value);
    Some(value.to_owned())
}

/// Trimmed, lower-cased, duplicates removed (first occurrence kept).
pub(crate) fn normalize_tag(tag: &str) -> String {
    tag.trim().to_lowercase()
}

fn tags(v: &mut Validator, values: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, raw) in values.iter().enumerate() {
        let field = format!("tags[{i}]");
        let tag = normalize_tag(raw);
        let len = tag.chars().count();
        if len == 0 {
            v.add(&field, FieldCode::Required, "must not be empty");
        } else if len > TAG_MAX {
            v.push(
                FieldError::new(
                    &field,
                    FieldCode::TooLong,
                    format!("must be at most {TAG_MAX} characters"),
                )
                .with_limit(TAG_MAX),
            );
        }
        plain(v, &field, &tag);
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    v.at_most("tags", out.len(), TAGS_MAX, "tags");
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
