//! The languages the platform speaks: Arabic and English.
//!
//! A request's language comes from its `Accept-Language` header
//! ([`Locale::from_accept_language`]); a user's from their profile.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A language of the platform's texts (problem documents, emails).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// Arabic, written right to left.
    Ar,
    /// English, the default when nothing says otherwise.
    #[default]
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::Ar, Locale::En];

    /// The language tag (`ar`, `en`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Locale::Ar => "ar",
            Locale::En => "en",
        }
    }

    /// Whether text in this language runs right to left.
    pub const fn is_rtl(self) -> bool {
        matches!(self, Locale::Ar)
    }

    /// The locale of a language tag: its primary subtag decides, case-insensitively
    /// (`ar`, `ar-SA`, `EN-gb`); `None` for other languages.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        Locale::ALL
            .into_iter()
            .find(|l| primary.eq_ignore_ascii_case(l.as_str()))
    }

    /// The supported language the client prefers most (RFC 9110 §12.5.4:
    /// highest `q` first, the earlier one on ties, `q=0` never), English
    /// when it names none of them. Bounded work for any header length.
    pub fn from_accept_language(header: &str) -> Locale {
        const MAX_RANGES: usize = 32;
        let mut best: Option<(u16, Locale)> = None;
        for range in header.split(',').take(MAX_RANGES) {
            let mut parts = range.split(';');
            let Some(locale) = parts.next().and_then(Locale::from_tag) else {
                continue;
            };
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), quality);
            if let Some(w) = weight.filter(|w| *w > 0)
                && best.is_none_or(|(b, _)| w > b)
            {
                best = Some((w, locale));
            }
        }
        best.map_or_else(Locale::default, |(_, l)| l)
    }
}

/// A quality value (`0`, `0.8`, `1.000`) in thousandths; `None` when malformed.
fn quality(text: &str) -> Option<u16> {
    let (int, frac) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_match_on_their_primary_subtag() {
        assert_eq!(Locale::from_tag("ar-SA"), Some(Locale::Ar));
        assert_eq!(Locale::from_tag("EN_gb"), Some(Locale::En));
        assert_eq!(Locale::from_tag("arn"), None);
        assert_eq!(Locale::from_tag("fr"), None);
    }

    #[test]
    fn the_most_preferred_supported_language_wins() {
        assert_eq!(Locale::from_accept_language("ar"), Locale::Ar);
        assert_eq!(
            Locale::from_accept_language("ar-SA,ar;q=0.9,en;q=0.8"),
            Locale::Ar
        );
        assert_eq!(
            Locale::from_accept_language("en;q=0.5, ar;q=0.9"),
            Locale::Ar
        );
        assert_eq!(Locale::from_accept_language("fr, ar;q=0.2"), Locale::Ar);
        assert_eq!(Locale::from_accept_language("en, ar"), Locale::En);
        assert_eq!(Locale::from_accept_language("ar;q=1, en;q=1"), Locale::Ar);
    }

    #[test]
    fn nothing_supported_or_malformed_means_english() {
        assert_eq!(Locale::from_accept_language(""), Locale::En);
        assert_eq!(Locale::from_accept_language("*"), Locale::En);
        assert_eq!(Locale::from_accept_language("fr-FR, de;q=0.7"), Locale::En);
        assert_eq!(Locale::from_accept_language("ar;q=0"), Locale::En);
        assert_eq!(Locale::from_accept_language("ar;q=2"), Locale::En);
        assert_eq!(Locale::from_accept_language("ar;q=0.1234"), Locale::En);
        assert_eq!(Locale::from_accept_language("ar;q=abc"), Locale::En);
        let long = format!("{}ar", "fr,".repeat(100));
        assert_eq!(Locale::from_accept_language(&long), Locale::En);
    }

    #[test]
    fn serializes_as_its_tag() {
        assert_eq!(
            serde_json::to_string(&Locale::Ar).ok().as_deref(),
            Some("\"ar\"")
        );
        assert_eq!(
            serde_json::from_str::<Locale>("\"en\"").ok(),
            Some(Locale::En)
        );
    }
}
