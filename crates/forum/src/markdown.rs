//! Markdown of posts: the source is sanitized and rendered to HTML by the
//! kernel's [`Markdown`] policy (no scripts, event handlers, `style`, forms
//! or frames in either; links only to `http`, `https` and `mailto` URLs;
//! remote images only from allowed hosts). Mentions (`@first.last`) are read
//! from the sanitized text outside code.

use p2p_kernel::text::arabic::is_dropped;
use p2p_kernel::text::{MARKDOWN_OPTIONS, Markdown};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// The most mentions a post resolves.
pub(crate) const MAX_MENTIONS: usize = 20;
const EXCERPT_CHARS: usize = 280;
const SEARCH_CHARS: usize = 4000;

/// A post's Markdown, rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// The Markdown as stored and returned: sanitized.
    pub source: String,
    /// Sanitized HTML.
    pub html: String,
    /// The text without markup, whitespace collapsed.
    pub text: String,
    /// Lower-case handles mentioned outside code, in order, without duplicates.
    pub mentions: Vec<String>,
}

impl Rendered {
    /// The beginning of the text, for topic lists.
    pub fn excerpt(&self) -> String {
        truncate_chars(&self.text, EXCERPT_CHARS)
    }

    /// What topic search matches: lower-case title and text.
    pub(crate) fn search_text(&self, title: &str) -> String {
        format!(
            "{}\n{}",
            title.to_lowercase(),
            truncate_chars(&self.text, SEARCH_CHARS).to_lowercase()
        )
    }
}

/// The first `max` characters of `s`, with `…` when it was longer.
pub(crate) fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", s[..i].trim_end()),
        None => s.to_owned(),
    }
}

/// Sanitizes the Markdown, renders it to sanitized HTML and collects its
/// text and mentions.
pub fn render_markdown(markdown: &Markdown, source: &str) -> Rendered {
    let source = markdown.sanitize(source);
    let html = markdown.to_html(&source);

    let mut text = String::new();
    let mut mentions: Vec<String> = Vec::new();
    let mut run = String::new();
    let mut in_code = 0usize;
    for event in Parser::new_ext(&source, MARKDOWN_OPTIONS) {
        match event {
            Event::Text(t) => {
                if in_code == 0 {
                    run.push_str(&t);
                }
                push_words(&mut text, &t);
            }
            Event::Code(t) => {
                flush(&mut run, &mut mentions);
                push_words(&mut text, &t);
            }
            Event::Start(Tag::CodeBlock(_)) => {
                flush(&mut run, &mut mentions);
                in_code += 1;
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = in_code.saturating_sub(1);
            }
            Event::SoftBreak | Event::HardBreak => {
                run.push(' ');
                text.push(' ');
            }
            _ => {
                flush(&mut run, &mut mentions);
                text.push(' ');
            }
        }
    }
    flush(&mut run, &mut mentions);
    Rendered {
        source,
        html,
        text: text.split_whitespace().collect::<Vec<_>>().join(" "),
        mentions,
    }
}

fn push_words(text: &mut String, t: &str) {
    text.push_str(t);
}

fn flush(run: &mut String, mentions: &mut Vec<String>) {
    for handle in mentions_in(run) {
        if mentions.len() < MAX_MENTIONS && !mentions.contains(&handle) {
            mentions.push(handle);
        }
    }
    run.clear();
}

/// Letters, digits, dots, and the Arabic marks a handle leaves out (so that
/// `@أحمَد` is `@أحمد`, not `@أحم`).
fn is_handle_char(c: char) -> bool {
    c.is_alphanumeric() || c == '.' || is_dropped(c)
}

/// `@handle` where the `@` does not follow a letter, digit, dot or underscore
/// (so `ann@example.com` is not a mention); trailing dots are punctuation.
fn mentions_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut prev: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let boundary = prev.is_none_or(|p| !(is_handle_char(p) || p == '_' || p == '@'));
        if c == '@' && boundary {
            let rest = &text[i + 1..];
            let end = rest
                .char_indices()
                .find(|(_, c)| !is_handle_char(*c))
                .map_or(rest.len(), |(j, _)| j);
            let handle: String = rest[..end]
                .trim_end_matches('.')
                .chars()
                .filter(|c| !is_dropped(*c))
                .collect();
            if !handle.is_empty() && !handle.starts_with('.') && handle.chars().count() <= 100 {
                found.push(handle.to_lowercase());
            }
            // Skip the handle so its characters are not scanned again.
            while chars.peek().is_some_and(|(j, _)| *j <= i + end) {
                chars.next();
            }
            prev = rest[..end].chars().last().or(Some('@'));
            continue;
        }
        prev = Some(c);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The markup of every tag in `html` (text is escaped, so `<` opens a tag).
    fn tags(html: &str) -> Vec<String> {
        html.split('<')
            .skip(1)
            .map(|t| t.split('>').next().unwrap_or_default().to_lowercase())
            .collect()
    }

    fn no_active_content(html: &str) {
        for tag in tags(html) {
            let name = tag.split_whitespace().next().unwrap_or_default();
            for bad in [
                "script", "style", "iframe", "svg", "math", "form", "input", "object", "embed",
                "link", "meta", "base",
            ] {
                assert_ne!(name.trim_start_matches('/'), bad, "<{tag}> in {html}");
            }
            for bad in ["javascript:", "vbscript:", "data:", "style="] {
                assert!(!tag.contains(bad), "{bad} in <{tag}> of {html}");
            }
            let attrs: Vec<&str> = tag.split_whitespace().skip(1).collect();
            for a in attrs {
                assert!(!a.starts_with("on"), "handler {a} in <{tag}> of {html}");
            }
        }
    }

    #[test]
    fn renders_markdown() {
        let r = render_markdown(
            &Markdown::default(),
            "# Title\n\nSome **bold** [link](https://example.com).",
        );
        assert!(r.html.contains("<h1>Title</h1>"), "{}", r.html);
        assert!(r.html.contains("<strong>bold</strong>"));
        assert!(
            r.html.contains(
                "<a href=\"https://example.com\" rel=\"nofollow noopener noreferrer\">link</a>"
            ),
            "{}",
            r.html
        );
        assert_eq!(r.text, "Title Some bold link .");
    }

    #[test]
    fn neutralizes_xss_payloads() {
        for payload in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](java\tscript:alert(1))",
            "<a href=\"java&#x09;script:alert(1)\">x</a>",
            "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "<p style=\"background:url(javascript:alert(1))\">x</p>",
            "<style>body{display:none}</style>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<svg onload=alert(1)>",
            "<div onclick=\"alert(1)\">x</div>",
            "<form action=\"https://evil.example\"><input></form>",
            "<object data=\"x\"></object><embed src=\"x\">",
            "[x](vbscript:msgbox(1))",
            "<a href=\"&#106;avascript:alert(1)\">x</a>",
            "<<script>script>alert(1)<</script>/script>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        ] {
            let r = render_markdown(&Markdown::default(), payload);
            no_active_content(&r.html);
        }
    }

    #[test]
    fn code_is_escaped_not_dropped() {
        let r = render_markdown(
            &Markdown::default(),
            "`<script>`\n\n```\n<img onerror=x>\n```",
        );
        assert!(r.html.contains("&lt;script&gt;"), "{}", r.html);
        assert!(r.html.contains("&lt;img onerror=x&gt;"), "{}", r.html);
        no_active_content(&r.html);
    }

    #[test]
    fn mentions() {
        let r = render_markdown(
            &Markdown::default(),
            "Hi @Nora.AlHarbi and @ali, mail ann@example.com.\n\
             `@code.only` and\n\n```\n@block.only\n```\n\n@nora.alharbi again @ @.x",
        );
        assert_eq!(r.mentions, vec!["nora.alharbi", "ali"]);
        let r = render_markdown(
            &Markdown::default(),
            "شكرًا @أحمد.العتيبي، وأيضًا @سارة.القحطاني. راجع مع @أحمَد.العـتيبي\n\
             (@نورة) و«@خالد»",
        );
        assert_eq!(
            r.mentions,
            vec!["أحمد.العتيبي", "سارة.القحطاني", "نورة", "خالد"]
        );
    }

    #[test]
    fn excerpt_is_short_plain_text() {
        let long = "word ".repeat(200);
        let r = render_markdown(&Markdown::default(), &format!("**{}**", long.trim()));
        assert!(r.excerpt().chars().count() <= EXCERPT_CHARS + 1);
        assert!(!r.excerpt().contains('*'));
    }
}
