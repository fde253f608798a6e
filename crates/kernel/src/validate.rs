//! Collecting field errors so a client learns about every bad field at once.

use crate::error::{DomainError, FieldError};
use crate::field_code::FieldCode;
use crate::text::{TextRule, UrlKind, has_script_link};

#[derive(Default)]
pub struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, code: FieldCode, message: impl Into<String>) {
        self.push(FieldError::new(field, code, message));
    }

    /// Adds a prepared field error (one naming its limit, say).
    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// Refuses more than `max` entries of a list (`what`: `tags`).
    pub fn at_most(&mut self, field: &str, count: usize, max: usize, what: &str) {
        if count > max {
            self.push(FieldError::too_many(field, max, what));
        }
    }

    /// Checks the length in characters after trimming.
    pub fn length(&mut self, field: &str, value: &str, min: usize, max: usize) {
        let len = value.trim().chars().count();
        if len < min {
            self.too_short(field, min);
        } else if len > max {
            self.too_long(field, max);
        }
    }

    pub fn optional_length(&mut self, field: &str, value: Option<&str>, max: usize) {
        if let Some(v) = value
            && v.chars().count() > max
        {
            self.too_long(field, max);
        }
    }

    fn too_short(&mut self, field: &str, min: usize) {
        if min == 1 {
            self.add(field, FieldCode::Required, "must not be empty");
        } else {
            self.push(
                FieldError::new(
                    field,
                    FieldCode::TooShort,
                    format!("must be at least {min} characters"),
                )
                .with_limit(min),
            );
        }
    }

    fn too_long(&mut self, field: &str, max: usize) {
        self.push(
            FieldError::new(
                field,
                FieldCode::TooLong,
                format!("must be at most {max} characters"),
            )
            .with_limit(max),
        );
    }

    /// Checks a text field against its rule (see [`TextRule`]) and returns
    /// it as stored (trimmed). Every failure names the field: too long, too
    /// short or empty, control characters, then markup or a script link.
    pub fn text(&mut self, field: &str, value: &str, rule: TextRule) -> String {
        let stored = rule.stored(value);
        if value.chars().count() > rule.max {
            self.too_long(field, rule.max);
        } else if value.trim().chars().count() < rule.min {
            self.too_short(field, rule.min);
        }
        if value.chars().any(|c| rule.refuses(c)) {
            let message = if rule.is_plain() && rule.refuses('\n') {
                "must not contain control characters"
            } else {
                "must not contain control characters other than line breaks and tabs"
            };
            self.add(field, FieldCode::InvalidCharacters, message);
        } else if rule.is_plain() {
            self.no_markup(field, value);
        }
        if let Some(kind) = rule.url
            && !stored.is_empty()
        {
            self.url(field, stored, kind);
        }
        stored.to_owned()
    }

    /// [`Validator::text`] of a field that may be left out: absent, empty or
    /// blank is `None`.
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        rule: TextRule,
    ) -> Option<String> {
        let value = value?;
        let stored = self.text(field, value, rule);
        (!stored.trim().is_empty()).then_some(stored)
    }

    /// Plain text shown as is (titles, names, tags, categories): no control
    /// characters, nothing that reads as an HTML tag and no Markdown link to
    /// a script URL, so a client that forgets to escape it, or renders it as
    /// Markdown, still cannot be made to run script. A lone `<` (as in
    /// "pressure < 5 bar") stays allowed.
    pub fn plain_text(&mut self, field: &str, value: &str) {
        if value.chars().any(char::is_control) {
            self.add(
                field,
                FieldCode::InvalidCharacters,
                "must not contain control characters",
            );
        } else {
            self.no_markup(field, value);
        }
    }

    /// [`Validator::plain_text`] over several lines: line breaks and tabs allowed.
    pub fn plain_paragraphs(&mut self, field: &str, value: &str) {
        if value
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            self.add(
                field,
                FieldCode::InvalidCharacters,
                "must not contain control characters other than line breaks and tabs",
            );
        } else {
            self.no_markup(field, value);
        }
    }

    fn no_markup(&mut self, field: &str, value: &str) {
        if looks_like_markup(value) {
            self.add(
                field,
                FieldCode::MarkupNotAllowed,
                "must be plain text: HTML tags are not allowed",
            );
        } else if has_script_link(value) {
            self.add(
                field,
                FieldCode::UnsafeLink,
                "must not link to javascript:, data: or other non-web URLs",
            );
        }
    }

    /// A URL field (trimmed by the caller): see [`UrlKind`].
    pub fn url(&mut self, field: &str, value: &str, kind: UrlKind) {
        if !kind.accepts(value) {
            self.add(field, FieldCode::InvalidUrl, kind.expected());
        }
    }

    pub fn email(&mut self, field: &str, value: &str) {
        if !is_valid_email(value) {
            self.add(
                field,
                FieldCode::InvalidEmail,
                "must be a valid email address",
            );
        }
    }

    pub fn check(&mut self, ok: bool, field: &str, code: FieldCode, message: &str) {
        if !ok {
            self.add(field, code, message);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn finish(self) -> Result<(), DomainError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::validation(self.errors))
        }
    }
}

/// Whether `value` holds something a browser would parse as a tag, comment
/// or declaration: `<` followed by a letter, `/`, `!` or `?`.
pub fn looks_like_markup(value: &str) -> bool {
    value
        .as_bytes()
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || matches!(w[1], b'/' | b'!' | b'?')))
}

/// A pragmatic email check: one `@`, a local part of 1–64 characters, a
/// dotted domain of letters, digits and hyphens, no whitespace, at most 254
/// characters (the OpenAPI document's [`crate::text::patterns::email`]).
pub fn is_valid_email(email: &str) -> bool {
    if email.chars().count() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    if local.is_empty() || local.chars().count() > 64 || local.contains('@') {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// Lower-cases and trims an email address for storage and comparison.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_plain_text() {
        for bad in [
            "<script>x</script>",
            "a<img src=x>",
            "</b>",
            "<!-- c -->",
            "<?xml",
        ] {
            assert!(looks_like_markup(bad), "{bad}");
        }
        for ok in ["pressure < 5 bar", "a <= b", "x<1", "<>", "plain"] {
            assert!(!looks_like_markup(ok), "{ok}");
        }
        let mut v = Validator::new();
        v.plain_text("title", "<b>bold</b>");
        v.plain_text("name", "tab\there");
        v.plain_text("tag", "pumps");
        v.plain_text("title", "see [this](  JaVaScRiPt:alert(1))");
        v.plain_paragraphs("bio", "two\nlines, a < b, [site](https://a.example)");
        v.plain_paragraphs("bio", "bell\u{7}");
        v.url("website", "javascript:alert(1)", UrlKind::Web);
        v.url("website", "https://a.example", UrlKind::Web);
        let codes: Vec<_> = v.errors.iter().map(|e| e.code).collect();
        assert_eq!(
            codes,
            [
                FieldCode::MarkupNotAllowed,
                FieldCode::InvalidCharacters,
                FieldCode::UnsafeLink,
                FieldCode::InvalidCharacters,
                FieldCode::InvalidUrl
            ]
        );
    }

    #[test]
    fn emails() {
        assert!(is_valid_email("a.b@example.com"));
        assert!(is_valid_email("x+tag@sub.example.sa"));
        assert!(!is_valid_email("no-at.example.com"));
        assert!(!is_valid_email("a@b"));
        assert!(!is_valid_email("a @b.com"));
        assert!(!is_valid_email("@b.com"));
        assert!(!is_valid_email("a@-b.com"));
        assert!(!is_valid_email("a@b..com"));
    }

    #[test]
    fn validator_collects_every_field() {
        let mut v = Validator::new();
        v.length("title", "  ", 1, 10);
        v.length("body", "abcdefghijkl", 1, 10);
        v.email("email", "nope");
        let err = v.finish().err().map(|e| {
            use crate::error::ErrorCode;
            e.field_errors().iter().map(|f| f.code).collect::<Vec<_>>()
        });
        assert_eq!(
            err,
            Some(vec![
                FieldCode::Required,
                FieldCode::TooLong,
                FieldCode::InvalidEmail
            ])
        );
    }
}
