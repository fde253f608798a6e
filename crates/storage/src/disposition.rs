//! `Content-Disposition: attachment` for downloads, safe for any file name.

use std::fmt::Write;

/// The longest file name kept, in characters.
const MAX_NAME_CHARS: usize = 200;

/// Builds `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266/5987) for
/// `name`: control characters, quotes, backslashes and path separators are
/// dropped or replaced, so the result is always a valid header value.
pub fn content_disposition_attachment(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if matches!(c, '/' | '\\') { '_' } else { c })
        .take(MAX_NAME_CHARS)
        .collect();
    let cleaned = cleaned.trim();
    let cleaned = if cleaned.is_empty() {
        "download"
    } else {
        cleaned
    };

    let ascii: String = cleaned
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();

    let mut header = format!("attachment; filename=\"{ascii}\"");
    if !cleaned.is_ascii() || cleaned.contains('"') {
        header.push_str("; filename*=UTF-8''");
        for byte in cleaned.bytes() {
            if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
                header.push(char::from(byte));
            } else {
                // Writing to a String cannot fail.
                let _ = write!(header, "%{byte:02X}");
            }
        }
    }
    header
}

#[cfg(test)]
mod tests {
    use super::content_disposition_attachment as cd;

    #[test]
    fn plain_names() {
        assert_eq!(cd("report.pdf"), "attachment; filename=\"report.pdf\"");
        assert_eq!(
            cd("my report.pdf"),
            "attachment; filename=\"my report.pdf\""
        );
    }

    #[test]
    fn unicode_names_get_an_encoded_form() {
        assert_eq!(
            cd("café.pdf"),
            "attachment; filename=\"caf_.pdf\"; filename*=UTF-8''caf%C3%A9.pdf"
        );
    }

    #[test]
    fn hostile_names_are_neutralised() {
        let header = cd("a\"b\r\nSet-Cookie: x=1/../\\evil.exe");
        assert!(!header.contains('\r') && !header.contains('\n'));
        assert!(header.starts_with("attachment; filename=\"a_bSet-Cookie: x=1_.._"));
        assert_eq!(cd("  \u{7}  "), "attachment; filename=\"download\"");
    }
}
