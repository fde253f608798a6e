//! The document's reading of a rule (lengths and patterns) against the
//! validator's, over every short string of a troublesome alphabet.

use super::*;
use crate::text::{UrlKind, patterns, scheme};
use crate::validate::Validator;
use regex::Regex;

/// Letters, Arabic, `<` and what may follow it, every kind of whitespace and
/// control character the rules tell apart.
const ALPHABET: [char; 13] = [
    'a', 'ش', '<', '/', ' ', '\t', '\n', '\u{A0}', '\u{2028}', '\u{7}', '\u{85}', '\u{1C}',
    '\u{FEFF}',
];

/// The document's reading of `rule`: whether it accepts a value.
fn schema_of(rule: TextRule) -> impl Fn(&str) -> bool {
    let shape = Regex::new(&rule.pattern()).unwrap_or_else(|e| panic!("{rule:?}: {e}"));
    let no_markup = Regex::new(NO_MARKUP_PATTERN).unwrap_or_else(|e| panic!("{e}"));
    move |value| {
        let count = value.chars().count();
        count >= rule.min
            && count <= rule.max
            && shape.is_match(value)
            && (!rule.is_plain() || no_markup.is_match(value))
    }
}

fn validator_accepts(rule: TextRule, value: &str) -> bool {
    let mut v = Validator::new();
    v.text("field", value, rule);
    v.is_empty()
}

#[test]
fn the_document_says_what_the_validator_does() {
    let corpus = words(&ALPHABET, 4);
    let rules = [
        TextRule::line(0, 3),
        TextRule::line(1, 3),
        TextRule::line(2, 4),
        TextRule::line(3, 3),
        TextRule::paragraphs(0, 4),
        TextRule::paragraphs(1, 3),
        TextRule::markdown(1, 3),
        TextRule::markdown(2, 4),
    ];
    for rule in rules {
        let schema_accepts = schema_of(rule);
        let disagree: Vec<&String> = corpus
            .iter()
            .filter(|s| schema_accepts(s) != validator_accepts(rule, s))
            .take(5)
            .collect();
        assert!(disagree.is_empty(), "{rule:?} disagrees on {disagree:?}");
    }
}

#[test]
fn stored_values_are_trimmed_markdown_keeps_its_indent() {
    let mut v = Validator::new();
    assert_eq!(v.text("t", "  Pump \u{A0}", TextRule::line(1, 20)), "Pump");
    assert_eq!(
        v.text("c", "    code\n\n", TextRule::markdown(1, 20)),
        "    code"
    );
    assert_eq!(v.optional_text("c", Some("  "), TextRule::line(0, 5)), None);
    assert!(v.is_empty());
}

#[test]
fn constrained_schemas_state_the_rule() {
    use utoipa::openapi::Type;
    let title = TextRule::line(5, 200).constrain(Object::with_type(Type::String));
    let json = serde_json::to_value(&title).unwrap_or_default();
    let shape = &json["allOf"][0];
    assert_eq!(shape["minLength"], 5);
    assert_eq!(shape["maxLength"], 200);
    assert!(
        shape["pattern"]
            .as_str()
            .is_some_and(|p| p.contains("{3,}"))
    );
    assert_eq!(json["allOf"][1]["pattern"], NO_MARKUP_PATTERN);
    assert!(
        json["description"]
            .as_str()
            .is_some_and(|d| d.contains("5–200"))
    );
    let content = TextRule::markdown(1, 20_000).constrain(Object::with_type(Type::String));
    let json = serde_json::to_value(&content).unwrap_or_default();
    assert_eq!(json["maxLength"], 20_000);
    assert!(json["allOf"].is_null());
}

/// Every string of up to `len` characters of `alphabet`.
fn words(alphabet: &[char], len: usize) -> Vec<String> {
    let mut all = vec![String::new()];
    let mut last = vec![String::new()];
    for _ in 0..len {
        last = last
            .iter()
            .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
            .collect();
        all.extend(last.iter().cloned());
    }
    all
}

#[test]
fn the_email_pattern_is_the_email_check() {
    let pattern = patterns::email_field();
    let alphabet = ['a', '@', '.', '-', ' ', '\t', 'ش', ':', '\u{7}'];
    let mut samples = words(&alphabet, 5);
    samples.extend(
        [
            "a.b@example.com",
            " x+tag@sub.example.sa\n",
            "-a@b-c.d",
            "a@-b.com",
            "a@b..com",
            "a@b",
            "a b@c.d",
            "أحمد@مثال.com",
            "أحمد@example.com",
        ]
        .map(String::from),
    );
    samples.push(format!("{}@a.bc", "x".repeat(64)));
    samples.push(format!("{}@a.bc", "x".repeat(65)));
    samples.push(format!("a@{}.bc", "x".repeat(63)));
    samples.push(format!("a@{}.bc", "x".repeat(64)));
    let pattern = Regex::new(&pattern).unwrap_or_else(|e| panic!("{e}"));
    for value in samples {
        let server = crate::validate::is_valid_email(value.trim());
        assert_eq!(pattern.is_match(&value), server, "{value:?}");
    }
}

#[test]
fn url_patterns_take_only_what_the_server_takes() {
    let shape = |kind: UrlKind| {
        Regex::new(&format!("^(?:{})$", kind.pattern())).unwrap_or_else(|e| panic!("{e}"))
    };
    let alphabet = ['a', 'h', ':', '/', ' ', '1', '+', '@', '.'];
    let mut samples = words(&alphabet, 5);
    samples.extend(
        [
            "https://a.example",
            "HTTP://a.example:8080/x?y=1#z",
            "https://a.example/@x",
            "https://1.2.3.4",
            "https://a.123",
            "https://user@a.example",
            "https://a.example:99999",
            "http:///x",
            "//evil.example",
            "/\\evil.example",
            "/files/1",
            "/",
            "mailto:a@b.co",
            "MailTo: a@b.co",
            "mailto:nobody",
            "javascript:alert(1)",
            "tel:123",
            "Tel 123",
            "a b:c",
            "0:1",
        ]
        .map(String::from),
    );
    for kind in [UrlKind::Web, UrlKind::WebOrServerPath, UrlKind::Contact] {
        let pattern = shape(kind);
        for value in &samples {
            if pattern.is_match(value) {
                assert!(kind.accepts(value), "{kind:?} pattern takes {value:?}");
            }
        }
    }
    // A contact without a scheme is any text: the pattern takes it all (as
    // trimmed by the field's text rule; the document allows the spaces around).
    let contact = shape(UrlKind::Contact);
    let trimmed = samples.iter().filter(|v| v.trim() == v.as_str());
    for value in trimmed.filter(|v| scheme(v).is_none()) {
        assert!(contact.is_match(value), "{value:?}");
    }
    for value in ["https://a.example/x", "mailto:a@b.co", "/files/1"] {
        let kind = if value.starts_with('/') {
            UrlKind::WebOrServerPath
        } else {
            UrlKind::Contact
        };
        assert!(shape(kind).is_match(value), "{value:?}");
    }
}
