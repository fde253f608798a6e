//! What a text field of a request may hold, said once: the validator checks it
//! ([`crate::validate::Validator::text`]) and the OpenAPI document states it
//! ([`TextRule::constrain`]) from the same value, so the two cannot disagree.
//!
//! Lengths count Unicode scalar values, as JSON Schema's `minLength` and
//! `maxLength` do: at most `max` as sent, at least `min` once the surrounding
//! whitespace is trimmed (what is stored). The patterns are written for every
//! reader of the document (ECMA-262, Python, Rust): explicit classes, no
//! lookaround, no `\s` (whose meaning differs between them).

use super::UrlKind;
use super::patterns::{CONTROLS, SPACES};
use utoipa::openapi::schema::{AllOf, Object, Schema};

/// The kind of text a field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextKind {
    /// One line of plain text: no control characters (tab and line breaks
    /// included), nothing a browser reads as a tag, no Markdown link to a
    /// script URL.
    Line,
    /// Plain text over several lines: [`TextKind::Line`] with tabs and line
    /// breaks allowed.
    Paragraphs,
    /// Markdown source: tabs and line breaks allowed, other control
    /// characters refused; markup is sanitized when stored, not refused.
    Markdown,
}

/// The lengths and kind of one text field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextRule {
    /// Characters at least, once trimmed (0: may be empty or blank).
    pub min: usize,
    /// Characters at most, as sent.
    pub max: usize,
    pub kind: TextKind,
    /// A URL field of this kind, when not empty ([`TextKind::Line`] only).
    pub url: Option<UrlKind>,
}

/// [`CONTROLS`] but tab, line feed and carriage return.
const CONTROLS_BUT_BREAKS: &str = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F";
/// Tab, line feed, carriage return.
const BREAKS: &str = r"\t\n\r";
/// Text with no `<` followed by a letter, `/`, `!` or `?` (what
/// [`crate::validate::looks_like_markup`] finds).
pub const NO_MARKUP_PATTERN: &str = r"^(?:[^<]|<+[^<A-Za-z/!?])*<*$";

impl TextRule {
    pub const fn line(min: usize, max: usize) -> Self {
        Self {
            min,
            max,
            kind: TextKind::Line,
            url: None,
        }
    }

    pub const fn paragraphs(min: usize, max: usize) -> Self {
        Self {
            min,
            max,
            kind: TextKind::Paragraphs,
            url: None,
        }
    }

    pub const fn markdown(min: usize, max: usize) -> Self {
        Self {
            min,
            max,
            kind: TextKind::Markdown,
            url: None,
        }
    }

    /// A URL field of `kind` (a [`TextKind::Line`]).
    pub const fn with_url(self, kind: UrlKind) -> Self {
        Self {
            url: Some(kind),
            ..self
        }
    }

    /// Whether `c` is refused anywhere in the text.
    pub fn refuses(&self, c: char) -> bool {
        c.is_control() && (self.kind == TextKind::Line || !matches!(c, '\t' | '\n' | '\r'))
    }

    /// Whether tags and script links are refused (plain text) rather than
    /// sanitized (Markdown).
    pub fn is_plain(&self) -> bool {
        self.kind != TextKind::Markdown
    }

    /// The value as stored: trimmed; Markdown keeps its leading whitespace
    /// (an indented first line is a code block).
    pub fn stored<'a>(&self, value: &'a str) -> &'a str {
        match self.kind {
            TextKind::Markdown => value.trim_end(),
            TextKind::Line | TextKind::Paragraphs => value.trim(),
        }
    }

    /// The pattern of the characters and the trimmed length: whitespace,
    /// then (unless `min` is 0) a non-whitespace character, and so on.
    pub fn pattern(&self) -> String {
        let refused = match self.kind {
            TextKind::Line => CONTROLS,
            TextKind::Paragraphs | TextKind::Markdown => CONTROLS_BUT_BREAKS,
        };
        let spaces = match self.kind {
            TextKind::Line => SPACES.to_owned(),
            TextKind::Paragraphs | TextKind::Markdown => format!("{BREAKS}{SPACES}"),
        };
        let any = format!("[^{refused}]");
        let blank = format!("[{spaces}]");
        let solid = format!("[^{refused}{spaces}]");
        match self.min {
            0 => format!("^{any}*$"),
            1 => format!("^{blank}*{solid}{any}*$"),
            min => format!("^{blank}*{solid}{any}{{{},}}{solid}{blank}*$", min - 2),
        }
    }

    /// What the rule says, for the field's description.
    pub fn describe(&self) -> String {
        let what = match self.kind {
            TextKind::Line => {
                "One line of plain text: no control characters, no HTML tags (`<` followed by a letter, `/`, `!` or `?`), no Markdown links to script URLs (`javascript:`, `data:`…)"
            }
            TextKind::Paragraphs => {
                "Plain text; line breaks and tabs allowed, other control characters, HTML tags (`<` followed by a letter, `/`, `!` or `?`) and Markdown links to script URLs (`javascript:`, `data:`…) are not"
            }
            TextKind::Markdown => {
                "Markdown, sanitized when stored; line breaks and tabs allowed, other control characters are not"
            }
        };
        let length = match self.min {
            0 => format!("at most {} characters", self.max),
            min => format!(
                "{min}–{} characters, at least {min} once the surrounding whitespace is trimmed (it is not stored)",
                self.max
            ),
        };
        let url = match self.url {
            None => "",
            Some(UrlKind::Web) => {
                " When not empty: an absolute `http://` or `https://` URL with a host, no user name or password."
            }
            Some(UrlKind::WebOrServerPath) => {
                " When not empty: an absolute `http://` or `https://` URL with a host, no user name or password, or a path on this server (`/…`, never `//`)."
            }
            Some(UrlKind::Contact) => {
                " A name, an email address or a phone number; what starts like a URL (`word:`) must be an `http://`, `https://` or `mailto:` one."
            }
        };
        format!("{what}; {length}.{url}")
    }

    /// The schema of a string field (`string`, or `string` or `null`) with
    /// this rule's lengths, patterns and description added to what it says.
    pub fn constrain(&self, mut string: Object) -> Schema {
        string.min_length = (self.min > 0).then_some(self.min);
        string.max_length = Some(self.max);
        string.pattern = Some(self.pattern());
        let rule = self.describe();
        let description = match string.description.take() {
            Some(own) if !own.is_empty() => format!("{own}\n\n{rule}"),
            _ => rule,
        };
        if !self.is_plain() {
            string.description = Some(description);
            return Schema::Object(string);
        }
        let pattern = |pattern: String| {
            let mut only = Object::with_type(string.schema_type.clone());
            only.pattern = Some(pattern);
            Schema::Object(only).into()
        };
        let mut items = vec![pattern(NO_MARKUP_PATTERN.to_owned())];
        if let Some(kind) = self.url {
            items.push(pattern(format!(
                "^[{SPACES}]*(?:{})?[{SPACES}]*$",
                kind.pattern()
            )));
        }
        let mut all_of = AllOf::new();
        all_of.description = Some(description);
        items.insert(0, Schema::Object(string).into());
        all_of.items = items;
        Schema::AllOf(all_of)
    }
}

/// A rule on a field of a request schema, for the OpenAPI document.
#[derive(Clone, Copy, Debug)]
pub enum Constraint {
    /// A string field (or every string of a list, with a field path ending in `[]`).
    Text(TextRule),
    /// A list of at most `max` entries, each listed once when `unique`.
    Items { max: usize, unique: bool },
    /// A string of `min`–`max` characters (`usize::MAX`: no most) matching
    /// the pattern `pattern` builds, with `description` (what the pattern means).
    Pattern {
        min: usize,
        max: usize,
        pattern: fn() -> String,
        description: &'static str,
    },
    /// A map (JSON object) of at most `max` entries, its names following
    /// `name` and its values `value`.
    Entries {
        max: usize,
        name: TextRule,
        value: TextRule,
    },
    /// An object that must match at least one of the schemas `choices`
    /// builds (`anyOf`), with `description` (what the choice means); the
    /// field path is empty: the schema itself.
    Choice {
        choices: fn() -> Vec<Schema>,
        description: &'static str,
    },
    /// A field whose rule several schemas share (a password): the document
    /// states `rule` once, as the component schema `name`, and the field
    /// refers to it.
    Component {
        name: &'static str,
        rule: &'static Constraint,
    },
}

/// Where a [`Constraint`] applies: the property `field` (a dotted path, `[]`
/// for a list's entries) of the component schema named `schema`. Each domain
/// lists its request fields next to its validators; the server states them in
/// the document and fails its tests when one names nothing.
#[derive(Clone, Copy, Debug)]
pub struct FieldConstraint {
    pub schema: &'static str,
    pub field: &'static str,
    pub constraint: Constraint,
}

impl FieldConstraint {
    pub const fn text(schema: &'static str, field: &'static str, rule: TextRule) -> Self {
        Self {
            schema,
            field,
            constraint: Constraint::Text(rule),
        }
    }

    /// A string of `min`–`max` characters matching `pattern()`.
    pub const fn pattern(
        schema: &'static str,
        field: &'static str,
        (min, max): (usize, usize),
        pattern: fn() -> String,
        description: &'static str,
    ) -> Self {
        Self {
            schema,
            field,
            constraint: Constraint::Pattern {
                min,
                max,
                pattern,
                description,
            },
        }
    }

    /// A field following `rule`, stated once in the document as the
    /// component schema `name` (see [`Constraint::Component`]).
    pub const fn component(
        schema: &'static str,
        field: &'static str,
        name: &'static str,
        rule: &'static Constraint,
    ) -> Self {
        Self {
            schema,
            field,
            constraint: Constraint::Component { name, rule },
        }
    }

    /// A map of at most `max` entries, names and values following their rules.
    pub const fn entries(
        schema: &'static str,
        field: &'static str,
        max: usize,
        (name, value): (TextRule, TextRule),
    ) -> Self {
        Self {
            schema,
            field,
            constraint: Constraint::Entries { max, name, value },
        }
    }

    /// The whole object `schema` matches one of `choices()` at least.
    pub const fn choice(
        schema: &'static str,
        choices: fn() -> Vec<Schema>,
        description: &'static str,
    ) -> Self {
        Self {
            schema,
            field: "",
            constraint: Constraint::Choice {
                choices,
                description,
            },
        }
    }

    /// A list of at most `max` entries; repeated ones are accepted.
    pub const fn max_items(schema: &'static str, field: &'static str, max: usize) -> Self {
        Self {
            schema,
            field,
            constraint: Constraint::Items { max, unique: false },
        }
    }

    /// A list of at most `max` entries, none repeated.
    pub const fn unique_items(schema: &'static str, field: &'static str, max: usize) -> Self {
        Self {
            schema,
            field,
            constraint: Constraint::Items { max, unique: true },
        }
    }
}

#[cfg(test)]
#[path = "rule_tests.rs"]
mod tests;
