//! Text helpers: edit distance, snippets safe to render as HTML.

use crate::analysis::{term_of_word, word_spans};
use std::borrow::Cow;
use std::collections::HashSet;

/// Marks the start and end of a matched word in a raw snippet (characters
/// from a Private Use Area, so they never come from content).
pub(crate) const MARK_START: char = '\u{E000}';
pub(crate) const MARK_END: char = '\u{E001}';

/// Words shorter than this get no typo tolerance.
pub const TYPO_MIN_LEN: usize = 5;

/// Words of a snippet at most (PostgreSQL's `ts_headline` default).
const SNIPPET_WORDS: usize = 24;

/// A raw snippet of `text` (for [`highlight`]): the stretch of up to
/// [`SNIPPET_WORDS`] words holding the most words whose term is in `terms`,
/// those words marked in their original spelling, `… ` / ` …` where text was
/// cut. `None` when no word matches. Match marks found in `text` itself are
/// dropped, so only real matches are marked.
pub fn mark_matches(text: &str, terms: &HashSet<String>) -> Option<String> {
    let text: Cow<'_, str> = if text.contains([MARK_START, MARK_END]) {
        Cow::Owned(text.replace([MARK_START, MARK_END], ""))
    } else {
        Cow::Borrowed(text)
    };
    let spans = word_spans(&text);
    let hit: Vec<bool> = spans
        .iter()
        .map(|&(s, e)| term_of_word(&text[s..e]).is_some_and(|t| terms.contains(&t)))
        .collect();
    let first = hit.iter().position(|h| *h)?;
    // The window (of SNIPPET_WORDS words, starting at a match) with the most matches.
    let mut best = (0, first);
    for start in (first..spans.len()).filter(|&i| hit[i]) {
        let n = hit[start..(start + SNIPPET_WORDS).min(spans.len())]
            .iter()
            .filter(|h| **h)
            .count();
        if n > best.0 {
            best = (n, start);
        }
    }
    // A few words of context before the first match, more when the text
    // ends before the window is full.
    let to = (best.1.saturating_sub(4) + SNIPPET_WORDS).min(spans.len());
    let from = best
        .1
        .saturating_sub(4)
        .min(to.saturating_sub(SNIPPET_WORDS));
    let mut out = String::new();
    if from > 0 {
        out.push_str("… ");
    }
    let mut cursor = spans[from].0;
    for i in from..to {
        let (s, e) = spans[i];
        out.push_str(&text[cursor..s]);
        if hit[i] {
            out.push(MARK_START);
            out.push_str(&text[s..e]);
            out.push(MARK_END);
        } else {
            out.push_str(&text[s..e]);
        }
        cursor = e;
    }
    if to < spans.len() {
        out.push_str(" …");
    }
    Some(out)
}

/// The first [`SNIPPET_WORDS`] words of `text`, without match marks.
pub fn lead(text: &str) -> String {
    let clean = text.replace([MARK_START, MARK_END], "");
    let spans = word_spans(&clean);
    match spans.get(SNIPPET_WORDS) {
        Some(&(next, _)) => format!("{} …", clean[..next].trim_end()),
        None => clean,
    }
}

/// Whether `a` and `b` are at most one edit (insertion, deletion,
/// substitution or transposition of neighbours) apart.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if prefix == la && prefix == lb {
        return true;
    }
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    if la == lb {
        // substitution, or a transposition of two neighbours
        ra[1..] == rb[1..]
            || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
    } else if la > lb {
        ra[1..] == *rb
    } else {
        *ra == rb[1..]
    }
}

/// Escapes a raw snippet for HTML and turns the match marks into `<mark>` tags.
pub fn highlight(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 16);
    for c in raw.chars() {
        match c {
            MARK_START => out.push_str("<mark>"),
            MARK_END => out.push_str("</mark>"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Plain text of sanitized HTML: tags dropped, common entities decoded,
/// whitespace collapsed.
pub fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                text.push(' ');
            }
            '>' if in_tag => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let decoded = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit() {
        assert!(within_one_edit("pump", "pump"));
        assert!(within_one_edit("maintenance", "maintenence"));
        assert!(within_one_edit("hydraulic", "hydrualic"));
        assert!(within_one_edit("valve", "valves"));
        assert!(within_one_edit("valves", "valve"));
        assert!(within_one_edit("xvalve", "valve"));
        assert!(!within_one_edit("valve", "vlaev"));
        assert!(!within_one_edit("pump", "pumped"));
    }

    fn marked(text: &str, query: &str) -> Option<String> {
        let terms = crate::analysis::folded_words(query)
            .iter()
            .map(|w| crate::analysis::term(w))
            .collect();
        mark_matches(text, &terms).map(|raw| highlight(&raw))
    }

    #[test]
    fn snippets_mark_original_spellings() {
        assert_eq!(
            marked("تآكل المضخّات الهيدروليكية", "مضخة تاكل").as_deref(),
            Some("<mark>تآكل</mark> <mark>المضخّات</mark> الهيدروليكية")
        );
        assert_eq!(
            marked("Two <b>pumps</b> & a valve", "pump").as_deref(),
            Some("Two &lt;b&gt;<mark>pumps</mark>&lt;/b&gt; &amp; a valve")
        );
        assert_eq!(marked("nothing here", "pump"), None);
        let fake = format!("{MARK_START}fake{MARK_END} pump");
        assert_eq!(
            marked(&fake, "pump").as_deref(),
            Some("fake <mark>pump</mark>")
        );
    }

    #[test]
    fn snippets_cut_long_text_around_the_matches() {
        let words: Vec<String> = (0..100).map(|i| format!("w{i}")).collect();
        let mut text = words.join(" ");
        text.push_str(" pump w100 w101");
        let snippet = marked(&text, "pump").unwrap_or_default();
        assert!(snippet.starts_with("… w79 "), "{snippet}");
        assert!(
            snippet.ends_with("<mark>pump</mark> w100 w101"),
            "{snippet}"
        );
        assert_eq!(lead(&text).split(' ').count(), 25);
    }

    #[test]
    fn highlight_escapes() {
        let raw = format!("a <b> {MARK_START}pump{MARK_END}");
        assert_eq!(highlight(&raw), "a &lt;b&gt; <mark>pump</mark>");
        assert_eq!(html_to_text("<p>a &amp; <em>b</em></p>"), "a & b");
    }
}
