//! Text written by users, made safe for every place it is shown: Markdown
//! sources and their HTML ([`Markdown`]), URL fields ([`UrlKind`]),
//! spreadsheet cells ([`spreadsheet_cell`]) and emails ([`unlinkable`], written
//! in the recipient's language by [`letter`]).
//! Search and name matching fold Arabic spelling with [`arabic::fold`]; user
//! text inside a sentence of ours keeps its direction with [`isolate`].
//! Text fields of requests follow a [`TextRule`], checked by
//! [`crate::validate::Validator::text`] and stated in the OpenAPI document.

pub mod arabic;
mod bidi;
mod letter;
mod mail;
mod markdown;
pub mod patterns;
mod plural;
mod rule;
mod url;

pub use bidi::{FSI, PDI, isolate};
pub use letter::{Block, escape_html, letter};
pub use mail::unlinkable;
pub use markdown::{ImagePolicy, Markdown, OPTIONS as MARKDOWN_OPTIONS, has_script_link};
pub use plural::ArabicNoun;
pub use rule::{Constraint, FieldConstraint, NO_MARKUP_PATTERN, TextKind, TextRule};
pub use url::{UrlKind, is_safe_link, is_server_path, is_web_url, scheme};

use std::borrow::Cow;

/// A name taken as given (a file name from a browser), made plain text
/// instead of refused: when it reads as a tag or a Markdown link to a script
/// URL, its `<`, `>`, `[` and `]` become `_`. Anything else is kept.
pub fn defuse_name(name: &str) -> Cow<'_, str> {
    if crate::validate::looks_like_markup(name) || has_script_link(name) {
        Cow::Owned(name.replace(['<', '>', '[', ']'], "_"))
    } else {
        Cow::Borrowed(name)
    }
}

/// A cell for a CSV file that people open in a spreadsheet: a value starting
/// with `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a
/// formula (`=HYPERLINK(…)`, `+cmd|' /C calc'!A0`), so it gets a leading `'`
/// (OWASP's CSV injection advice); everything else, a number such as `-33.86`
/// included, is kept as is.
pub fn spreadsheet_cell(value: &str) -> Cow<'_, str> {
    let number = value.parse::<f64>().is_ok_and(f64::is_finite);
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) && !number {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_markup() {
        assert_eq!(
            defuse_name("<img src=x onerror=alert(1)>.png"),
            "_img src=x onerror=alert(1)_.png"
        );
        assert_eq!(
            defuse_name("[x](javascript:alert(1)).pdf"),
            "_x_(javascript:alert(1)).pdf"
        );
        for kept in ["report [final].pdf", "a < b.txt", "تقرير.pdf"] {
            assert_eq!(defuse_name(kept), kept);
        }
    }

    #[test]
    fn formulas_become_text() {
        for formula in [
            "=HYPERLINK(\"https://evil.example\",\"x\")",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "-15%",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(spreadsheet_cell(formula), format!("'{formula}"));
        }
        for text in ["plain", "مرحبا", "a=b", " =1", "", "-33.86", "+5"] {
            assert_eq!(spreadsheet_cell(text), text);
        }
    }
}
