//! The regular expressions the OpenAPI document gives for emails and URL
//! fields: exactly what [`crate::validate::is_valid_email`] accepts, and for
//! URLs a part of what [`UrlKind::accepts`] does (the rest of WHATWG URL
//! parsing is not a regular language), always inside what the server takes.
//! Written for every reader of the document (ECMA-262, Python, Rust):
//! explicit classes, no lookaround.

use super::UrlKind;
use std::sync::OnceLock;

/// Control characters (Unicode `Cc`, Rust's `char::is_control`).
pub(crate) const CONTROLS: &str = r"\u0000-\u001F\u007F-\u009F";
/// The whitespace `str::trim` removes that is not a control character.
pub(crate) const SPACES: &str = r" \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// One DNS label: letters, digits and inner hyphens, 1–63 characters.
const LABEL: &str = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
/// The last label of a URL's host starts with a letter (WHATWG reads a
/// numeric one as an IPv4 address).
const TOP_LABEL: &str = r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";

/// An email address as [`crate::validate::is_valid_email`] accepts it, not
/// anchored: one `@`, a local part of 1–64 characters without whitespace or
/// control characters, a domain of two or more labels.
pub fn email() -> String {
    format!(r"[^@{CONTROLS}{SPACES}]{{1,64}}@{LABEL}(?:\.{LABEL})+")
}

/// One character of the whitespace `str::trim` removes (Unicode `White_Space`).
pub fn blank() -> String {
    format!(r"[\t\n\u000B\u000C\r\u0085{SPACES}]")
}

/// The letters (`char::is_alphabetic`: Unicode `Alphabetic`) as the inside
/// of a class: characters of the Basic Multilingual Plane as `\uXXXX`
/// escapes, the others written out (one code point for every reader, ECMA-262
/// with its `u` flag as JSON Schema validators use it).
pub fn letters() -> &'static str {
    static LETTERS: OnceLock<String> = OnceLock::new();
    LETTERS.get_or_init(|| class_of(char::is_alphabetic))
}

/// The ranges of the characters `take` takes, as the inside of a class.
fn class_of(take: fn(char) -> bool) -> String {
    let mut ranges: Vec<(char, char)> = Vec::new();
    for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
        if !take(c) {
            continue;
        }
        match ranges.last_mut() {
            Some((_, end)) if u32::from(*end) + 1 == u32::from(c) => *end = c,
            _ => ranges.push((c, c)),
        }
    }
    let one = |c: char| match u32::from(c) {
        n if n <= 0xFFFF => format!(r"\u{n:04X}"),
        _ => c.to_string(),
    };
    ranges
        .into_iter()
        .map(|(start, end)| match start == end {
            true => one(start),
            false => format!("{}-{}", one(start), one(end)),
        })
        .collect()
}

/// An email field: the address, with the whitespace trimming removes around it.
pub fn email_field() -> String {
    let blank = blank();
    format!("^{blank}*{}{blank}*$", email())
}

/// A file name as a browser sends it (a path, the client's own): its last
/// segment, after the last `/` or `\`, holds a character that is neither a
/// control character nor whitespace. Not anchored at its start.
pub fn file_name() -> String {
    format!(r"[^/\\{CONTROLS}{SPACES}][^/\\]*$")
}

/// An absolute `http`/`https` URL with a named host, an optional port and a
/// path, query or fragment of URL characters, not anchored.
pub fn web_url() -> String {
    format!(
        r"[Hh][Tt][Tt][Pp][Ss]?://(?:{LABEL}\.)*{TOP_LABEL}(?::[0-9]{{1,4}})?(?:[/?#][A-Za-z0-9._~!$&'()*+,;=:@%/?#-]*)?"
    )
}

impl UrlKind {
    /// What a field of this kind holds, not anchored, for a field whose
    /// control characters are refused and whose surrounding spaces are
    /// trimmed by its text rule.
    pub fn pattern(self) -> String {
        let web = web_url();
        match self {
            Self::Web => web,
            Self::WebOrServerPath => {
                format!(r"{web}|/(?:[^/\\{CONTROLS}{SPACES}][^\\{CONTROLS}{SPACES}]*)?")
            }
            // No scheme as a browser reads one (no `:`, nothing before the
            // first `:`, or something a scheme cannot hold before it), a
            // `mailto:` address or a web URL.
            Self::Contact => format!(
                r"[^:]*|:[\s\S]*|[^A-Za-z:{SPACES}][^:]*:[\s\S]*|[A-Za-z][^:]*[^A-Za-z0-9+.:-][^:]*:[\s\S]*|[Mm][Aa][Ii][Ll][Tt][Oo]:[{SPACES}]*{email}|{web}",
                email = email()
            ),
        }
    }
}
