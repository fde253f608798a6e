//! Message content: Markdown, sanitized and rendered by the kernel's
//! [`p2p_kernel::text::Markdown`] policy (the same as forum posts); here only
//! the plain-text preview used in notifications.

use pulldown_cmark::{Event, Parser};

/// The first `max` characters of the text without markup (no Markdown, no
/// HTML tags), for notification titles and emails.
pub(crate) fn preview(source: &str, max: usize) -> String {
    let mut text = String::new();
    for event in Parser::new(source) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(_) => text.push(' '),
            _ => {}
        }
    }
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", flat[..i].trim_end()),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_short_and_flat() {
        assert_eq!(preview("a\n\n b", 10), "a b");
        assert_eq!(preview("abcdef", 3), "abc…");
        assert_eq!(
            preview("Hello *Zed* <script>x</script> [site](https://a.b)", 80),
            "Hello Zed x site"
        );
    }
}
