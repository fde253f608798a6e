//! Markdown written by users: the source made safe to hand to any Markdown
//! renderer, and its HTML.
//!
//! [`Markdown::sanitize`] rewrites only what could run or load something:
//! raw HTML becomes what the HTML sanitizer keeps of it (no `<script>`, no
//! `on…=` handlers, no `style`, frames or forms), links whose destination is
//! not `http`, `https`, `mailto` or relative lose it (their text stays),
//! link reference definitions pointing at such URLs are removed, and images
//! not served by this server or an allowed host become plain links (a
//! remote image in a post is a tracking pixel: every reader's browser would
//! fetch it). Text that only a looser parser or a browser would take for a
//! tag (`<svg/onload=…>`, `x<y`) gets its `<` escaped (`\<`, shown as `<`).
//! Code spans and fenced code are left exactly as written.
//! A rewrite can make new Markdown out of old text (an HTML block's content
//! becoming a paragraph), so sanitizing repeats until nothing changes.
//!
//! [`Markdown::to_html`] renders with pulldown-cmark and cleans the HTML with
//! ammonia under the same policy: links only to `http`, `https` and `mailto`
//! URLs with `rel="nofollow noopener noreferrer"`, relative URLs dropped.

use super::url::is_safe_link;
use ammonia::{Builder, UrlRelative};
use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;
use std::ops::Range;
use std::sync::Arc;

/// The Markdown dialect of the platform: CommonMark with tables and strikethrough.
pub const OPTIONS: Options = Options::ENABLE_TABLES.union(Options::ENABLE_STRIKETHROUGH);

/// Passes after which a source still changing is reduced to plain text.
const MAX_PASSES: usize = 8;

/// Where images may come from.
#[derive(Clone, Debug, Default)]
pub struct ImagePolicy {
    /// Lower-case host names whose `http`/`https` images are shown.
    hosts: HashSet<String>,
    /// This server's file URLs: `<public url>/api/v1/files/`.
    own_files: Option<url::Url>,
}

impl ImagePolicy {
    /// Images from `hosts` (host names, compared without regard to case) and
    /// from this server's file URLs under `public_url`.
    pub fn new(hosts: impl IntoIterator<Item = String>, public_url: Option<&str>) -> Self {
        let own_files = public_url.and_then(|base| {
            let base = format!("{}/api/v1/files/", base.trim_end_matches('/'));
            url::Url::parse(&base).ok()
        });
        Self {
            hosts: hosts.into_iter().map(|h| h.to_ascii_lowercase()).collect(),
            own_files,
        }
    }

    /// Whether an image at `src` may be loaded by every reader's browser.
    pub fn allows(&self, src: &str) -> bool {
        if !super::url::is_web_url(src.trim()) {
            return false;
        }
        let Ok(url) = url::Url::parse(src.trim()) else {
            return false;
        };
        let own = self
            .own_files
            .as_ref()
            .is_some_and(|own| url.origin() == own.origin() && url.path().starts_with(own.path()));
        own || url
            .host_str()
            .is_some_and(|h| self.hosts.contains(&h.to_ascii_lowercase()))
    }
}

/// The platform's Markdown policy, built once at startup and shared.
#[derive(Clone)]
pub struct Markdown {
    html: Arc<Builder<'static>>,
    /// Keeps no tag at all: the text of HTML.
    text_only: Arc<Builder<'static>>,
    images: Arc<ImagePolicy>,
}

impl Default for Markdown {
    /// No remote images at all.
    fn default() -> Self {
        Self::new(ImagePolicy::default())
    }
}

impl std::fmt::Debug for Markdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Markdown")
            .field("images", &self.images)
            .finish_non_exhaustive()
    }
}

impl Markdown {
    pub fn new(images: ImagePolicy) -> Self {
        let images = Arc::new(images);
        let filter_images = images.clone();
        let mut html = Builder::default();
        html.url_schemes(HashSet::from(["http", "https", "mailto"]))
            .url_relative(UrlRelative::Deny)
            .link_rel(Some("nofollow noopener noreferrer"))
            .strip_comments(true)
            .attribute_filter(move |element, attribute, value| {
                let remote_image =
                    element == "img" && attribute == "src" && !filter_images.allows(value);
                (!remote_image).then_some(value.into())
            });
        Self {
            html: Arc::new(html),
            text_only: Arc::new(Builder::empty()),
            images,
        }
    }

    /// HTML cleaned with the platform's allow-list.
    pub fn clean_html(&self, html: &str) -> String {
        self.html.clean(html).to_string()
    }

    /// The source rendered to HTML, then cleaned.
    pub fn to_html(&self, source: &str) -> String {
        let mut html = String::with_capacity(source.len() * 2);
        pulldown_cmark::html::push_html(&mut html, Parser::new_ext(source, OPTIONS));
        self.clean_html(&html)
    }

    /// The source with everything that could run script or load a remote
    /// image rewritten (see the module documentation); safe text unchanged.
    pub fn sanitize(&self, source: &str) -> String {
        let mut current = source.to_owned();
        for _ in 0..MAX_PASSES {
            match self.pass(&current) {
                None => return current,
                Some(next) => current = next,
            }
        }
        inert(source)
    }

    /// One pass: the source with this pass's rewrites, `None` when it needs none.
    fn pass(&self, src: &str) -> Option<String> {
        let parser = Parser::new_ext(src, OPTIONS);
        let mut edits: Vec<Edit> = parser
            .reference_definitions()
            .iter()
            .filter(|(_, def)| !is_safe_link(&def.dest))
            .map(|(_, def)| Edit::delete(def.span.clone()))
            .collect();
        let mut containers = 0usize;
        let mut in_code_block = false;
        let mut events = parser.into_offset_iter();
        while let Some((event, range)) = events.next() {
            match event {
                Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
                Event::End(TagEnd::CodeBlock) => in_code_block = false,
                Event::Text(_) if !in_code_block => edits.extend(escape_tag_openers(src, range)),
                Event::Start(Tag::BlockQuote(_) | Tag::Item | Tag::FootnoteDefinition(_)) => {
                    containers += 1;
                }
                Event::End(TagEnd::BlockQuote(_) | TagEnd::Item | TagEnd::FootnoteDefinition) => {
                    containers = containers.saturating_sub(1);
                }
                Event::Start(Tag::HtmlBlock) => {
                    let mut block = String::new();
                    for (event, _) in events.by_ref() {
                        match event {
                            Event::Html(t) | Event::Text(t) => block.push_str(&t),
                            Event::End(TagEnd::HtmlBlock) => break,
                            _ => {}
                        }
                    }
                    edits.extend(self.html_block(src, range, &block, containers > 0));
                }
                Event::InlineHtml(tag) => {
                    let kept = self.inline_tag(&tag);
                    if src[range.clone()] != kept {
                        edits.push(Edit::replace(range, kept));
                    }
                }
                Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. })
                    if !is_safe_link(&dest_url) =>
                {
                    // The link or image gives way to its text.
                    let inner = children(&mut events, &range);
                    edits.push(Edit::replace(range, src[inner].to_owned()));
                }
                Event::Start(Tag::Image { dest_url, .. })
                    if !self.images.allows(&dest_url) && src[range.clone()].starts_with('!') =>
                {
                    // `![alt](url)` → `[alt](url)`: a link the reader may follow.
                    edits.push(Edit::delete(range.start..range.start + 1));
                }
                _ => {}
            }
        }
        (!edits.is_empty()).then(|| apply(src, edits))
    }

    /// An HTML block replaced by what the sanitizer keeps of it; inside a
    /// block quote or list item on one line, so no line loses its `>` or indent.
    fn html_block(
        &self,
        src: &str,
        range: Range<usize>,
        block: &str,
        contained: bool,
    ) -> Option<Edit> {
        let written = src[range.clone()].trim_end_matches(['\n', '\r']);
        let range = range.start..range.start + written.len();
        let mut kept = self.clean_html(block.trim_end_matches(['\n', '\r']));
        // A renderer that reads Markdown inside HTML blocks would find links
        // in their text: the text between the tags is sanitized as Markdown,
        // and if a script link still spans tags, only the text is kept (the
        // next pass reads it as Markdown).
        let text_of = |html: &str| self.text_only.clean(html).to_string();
        if has_script_link(&text_of(&kept)) {
            kept = map_text(&kept, |t| self.sanitize(t));
            let text = text_of(&kept);
            if has_script_link(&text) {
                kept = text;
            }
        }
        if contained {
            kept = kept.replace('\r', "").replace('\n', "&#10;");
        }
        (kept != written).then(|| Edit::replace(range, kept))
    }

    /// What the sanitizer keeps of one raw inline tag: the tag with its
    /// allowed attributes, or nothing.
    fn inline_tag(&self, tag: &str) -> String {
        if let Some(name) = tag.strip_prefix("</") {
            let name = name.trim_end_matches('>').trim().to_ascii_lowercase();
            let allowed = self.html.clone_tags().contains(name.as_str());
            return if allowed {
                format!("</{name}>")
            } else {
                String::new()
            };
        }
        first_tag(&self.clean_html(tag)).to_owned()
    }
}

/// Text that a browser, or a renderer with a looser idea of HTML than
/// CommonMark's, would read as a tag (`<svg/onload=…>`, `<img` at a line's
/// end): its `<` is escaped (`\<`), which Markdown shows as the same `<`.
fn escape_tag_openers(src: &str, range: Range<usize>) -> Vec<Edit> {
    let bytes = src.as_bytes();
    range
        .filter(|&i| {
            bytes[i] == b'<'
                && bytes
                    .get(i + 1)
                    .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'/' | b'!' | b'?'))
                && (i == 0 || bytes[i - 1] != b'\\')
        })
        .map(|i| Edit::replace(i..i + 1, "\\<".to_owned()))
        .collect()
}

/// The range covered by the events inside the link or image that just
/// started (empty at its end when it has none), consuming them.
fn children<'a, I>(events: &mut I, outer: &Range<usize>) -> Range<usize>
where
    I: Iterator<Item = (Event<'a>, Range<usize>)>,
{
    let mut depth = 0usize;
    let mut inner: Option<Range<usize>> = None;
    for (event, range) in events.by_ref() {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(TagEnd::Link | TagEnd::Image) if depth == 0 => break,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        inner = Some(match inner {
            None => range,
            Some(r) => r.start.min(range.start)..r.end.max(range.end),
        });
    }
    inner.unwrap_or(outer.end..outer.end)
}

/// The first tag of serialized HTML (attribute values are double-quoted
/// there, so a `>` inside quotes does not end it); empty when it starts
/// with something else.
fn first_tag(html: &str) -> &str {
    if !html.starts_with('<') {
        return "";
    }
    let mut quoted = false;
    for (i, c) in html.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '>' if !quoted => return &html[..=i],
            _ => {}
        }
    }
    ""
}

/// Serialized HTML with `f` applied to the text between its tags (text
/// has its `<` escaped there, so each `<` opens a tag).
fn map_text(html: &str, f: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while !rest.is_empty() {
        let text_end = rest.find('<').unwrap_or(rest.len());
        out.push_str(&f(&rest[..text_end]));
        rest = &rest[text_end..];
        let tag = first_tag(rest);
        let tag = if tag.is_empty() { rest } else { tag };
        out.push_str(tag);
        rest = &rest[tag.len()..];
    }
    out
}

/// A source that kept changing, as inert text: no `<` or `>`, and every
/// other ASCII punctuation escaped, so no renderer finds markup in it.
fn inert(source: &str) -> String {
    let mut out = String::with_capacity(source.len() * 2);
    for c in source.chars().filter(|c| !matches!(c, '<' | '>')) {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

struct Edit {
    range: Range<usize>,
    text: String,
}

impl Edit {
    fn replace(range: Range<usize>, text: String) -> Self {
        Self { range, text }
    }

    fn delete(range: Range<usize>) -> Self {
        Self::replace(range, String::new())
    }
}

/// Applies edits in source order; an edit overlapping an earlier one waits
/// for the next pass.
fn apply(src: &str, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(src.len());
    let mut at = 0;
    for edit in edits {
        if edit.range.start < at {
            continue;
        }
        out.push_str(&src[at..edit.range.start]);
        out.push_str(&edit.text);
        at = edit.range.end;
    }
    out.push_str(&src[at..]);
    out
}

/// Whether Markdown syntax in `text` links or embeds a URL that is not
/// `http`, `https`, `mailto` or relative (for plain-text fields, which refuse it).
pub fn has_script_link(text: &str) -> bool {
    let parser = Parser::new_ext(text, OPTIONS);
    if parser
        .reference_definitions()
        .iter()
        .any(|(_, def)| !is_safe_link(&def.dest))
    {
        return true;
    }
    parser.into_iter().any(|event| match event {
        Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
            !is_safe_link(&dest_url)
        }
        _ => false,
    })
}

#[cfg(test)]
#[path = "markdown_tests.rs"]
mod tests;
