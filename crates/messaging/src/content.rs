//! Message content: Markdown rendered with pulldown-cmark and sanitized with
//! ammonia, the same policy as forum posts (no scripts, event handlers,
//! `style`, forms or frames; links only to `http`, `https` and `mailto`).

use ammonia::{Builder, UrlRelative};
use pulldown_cmark::{Event, Options, Parser};
use std::collections::HashSet;
use std::sync::LazyLock;

static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut b = Builder::default();
    b.url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(UrlRelative::Deny)
        .link_rel(Some("nofollow noopener noreferrer"))
        .strip_comments(true);
    b
});

/// Sanitized HTML of the Markdown source.
pub(crate) fn render(source: &str) -> String {
    let mut html = String::with_capacity(source.len() * 2);
    let parser = Parser::new_ext(
        source,
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES,
    );
    pulldown_cmark::html::push_html(&mut html, parser);
    SANITIZER.clean(&html).to_string()
}

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
    fn scripts_handlers_and_javascript_urls_are_removed() {
        let html = render(
            "hi <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) **b**",
        );
        assert!(!html.contains("<script"));
        assert!(!html.contains("onerror"));
        assert!(!html.contains("javascript:"));
        assert!(html.contains("<strong>b</strong>"));
    }

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
