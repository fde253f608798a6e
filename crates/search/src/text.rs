//! Text helpers: query words, edit distance, snippets safe to render as HTML.

/// Marks the start and end of a matched word in a raw snippet (characters
/// from a Private Use Area, so they never come from content).
pub(crate) const MARK_START: char = '\u{E000}';
pub(crate) const MARK_END: char = '\u{E001}';

/// Words shorter than this get no typo tolerance.
pub const TYPO_MIN_LEN: usize = 5;

/// The lower-case words (letters and digits) of a text, in order, without duplicates.
pub fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let w = w.to_lowercase();
        if w.chars().count() <= 64 && !out.contains(&w) {
            out.push(w);
        }
    }
    out
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

    #[test]
    fn words_and_highlight() {
        assert_eq!(
            words("Pump, pump! Hydraulic-press"),
            vec!["pump", "hydraulic", "press"]
        );
        let raw = format!("a <b> {MARK_START}pump{MARK_END}");
        assert_eq!(highlight(&raw), "a &lt;b&gt; <mark>pump</mark>");
        assert_eq!(html_to_text("<p>a &amp; <em>b</em></p>"), "a & b");
    }
}
