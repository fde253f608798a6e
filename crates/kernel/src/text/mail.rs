//! User-written text in emails (names of people and organizations, titles).

use std::borrow::Cow;

/// Characters a mail client or a browser may read as the dot of a domain name.
const DOTS: [char; 4] = ['.', '\u{3002}', '\u{FF0E}', '\u{FF61}'];

/// `text` as plain text that no mail client turns into a link: a user cannot
/// make an email of ours carry their URL (an organization called
/// `Visit http://evil.example/login`). Defanged the way security advisories
/// write indicators: `://` becomes `[:]//`, a dot followed by a letter
/// (`evil.example`, including the full-width and ideographic dots) `[.]`, an
/// `@` between letters or digits `[@]`. Everything else is kept, every
/// script included (`مصنع الحربي`, `Al-Harbi Co.`, `Industry 4.0`).
pub fn unlinkable(text: &str) -> Cow<'_, str> {
    let mut chars = text.char_indices().peekable();
    let mut out: Option<String> = None;
    let mut previous: Option<char> = None;
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let between = |p: Option<char>| p.is_some_and(char::is_alphanumeric);
        let replacement = match c {
            c if DOTS.contains(&c) && next.is_some_and(char::is_alphabetic) => Some("[.]"),
            '@' if between(previous) && between(next) => Some("[@]"),
            ':' if text[at..].starts_with("://") => Some("[:]"),
            _ => None,
        };
        match (replacement, &mut out) {
            (Some(r), Some(buf)) => buf.push_str(r),
            (Some(r), None) => {
                let mut buf = String::with_capacity(text.len() + 16);
                buf.push_str(&text[..at]);
                buf.push_str(r);
                out = Some(buf);
            }
            (None, Some(buf)) => buf.push(c),
            (None, None) => {}
        }
        previous = Some(c);
    }
    out.map_or(Cow::Borrowed(text), Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::unlinkable;

    #[test]
    fn urls_domains_and_addresses_are_defanged() {
        let cases = [
            (
                "Visit http://evil.example/login",
                "Visit http[:]//evil[.]example/login",
            ),
            ("HTTPS://Evil.Example", "HTTPS[:]//Evil[.]Example"),
            ("www.evil.example", "www[.]evil[.]example"),
            ("(evil.example)", "(evil[.]example)"),
            ("evil\u{3002}example", "evil[.]example"),
            ("evil\u{FF0E}example", "evil[.]example"),
            ("ceo@evil.example", "ceo[@]evil[.]example"),
            ("ftp://x", "ftp[:]//x"),
            ("موقع.السعودية", "موقع[.]السعودية"),
        ];
        for (text, expected) in cases {
            assert_eq!(unlinkable(text), expected, "{text}");
            assert!(!unlinkable(text).contains("://"));
        }
    }

    #[test]
    fn ordinary_names_are_kept() {
        for name in [
            "مصنع الحربي للصلب",
            "نورة الحربي",
            "Al-Harbi Co. Ltd.",
            "Dr. Nora",
            "Industry 4.0",
            "Steel & Sons: Riyadh",
            "@home",
            "",
        ] {
            assert!(
                matches!(unlinkable(name), std::borrow::Cow::Borrowed(_)),
                "{name}"
            );
        }
    }
}
