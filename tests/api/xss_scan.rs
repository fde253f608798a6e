//! What a frontend could be made to run by a response: every string of a
//! JSON body (and any other body) is rendered as Markdown by a renderer
//! that keeps raw HTML and filters no URL (what an ordinary Markdown
//! component does; HTML, such as `content_html`, passes through it as it
//! is, code is escaped), then searched for a `<script>` tag, an
//! `on…=` event-handler attribute, or an attribute whose value is a
//! `javascript:`, `vbscript:` or `data:` URL however it is spelled; values of
//! URL fields (`website`, `logo_url`, `url`, …) must not be such URLs
//! themselves. Text that merely reads `javascript:` is text, not a finding.

use serde_json::Value;

/// Keys whose value a client puts in `href` or `src` as is.
const URL_KEYS: &[&str] = &[
    "website",
    "contact",
    "logo_url",
    "avatar_url",
    "url",
    "link",
    "upload_url",
    "href",
];

/// Panics with every finding in `body` (named by `what`).
#[track_caller]
pub fn assert_no_active_content(what: &str, body: &str) {
    let mut findings = Vec::new();
    match serde_json::from_str::<Value>(body) {
        Ok(json) => walk(&json, None, &mut findings),
        Err(_) => check_string(body, None, &mut findings),
    }
    assert!(findings.is_empty(), "{what}: {findings:#?}\nbody: {body}");
}

fn walk(value: &Value, key: Option<&str>, findings: &mut Vec<String>) {
    match value {
        Value::String(s) => check_string(s, key, findings),
        Value::Array(items) => items.iter().for_each(|v| walk(v, key, findings)),
        Value::Object(map) => {
            for (k, v) in map {
                check_string(k, None, findings);
                walk(v, Some(k), findings);
            }
        }
        _ => {}
    }
}

fn check_string(s: &str, key: Option<&str>, findings: &mut Vec<String>) {
    if let Some(key) = key
        && URL_KEYS.contains(&key)
        && is_script_url(s)
    {
        findings.push(format!("{key} is a script URL: {s:?}"));
    }
    let mut rendered = String::new();
    pulldown_cmark::html::push_html(
        &mut rendered,
        pulldown_cmark::Parser::new_ext(
            s,
            pulldown_cmark::Options::ENABLE_TABLES | pulldown_cmark::Options::ENABLE_STRIKETHROUGH,
        ),
    );
    for finding in html_findings(&rendered) {
        findings.push(format!("as Markdown, {finding} in {s:?} → {rendered:?}"));
    }
}

/// Script tags, handlers and script URLs in attributes of `html`'s tags.
fn html_findings(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let name_start = rest.strip_prefix('/').unwrap_or(rest);
        if !name_start.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let end = tag_end(name_start);
        let tag = &name_start[..end];
        let lower = tag.to_ascii_lowercase();
        if lower.starts_with("script") {
            found.push("a <script> tag".to_owned());
        }
        for (name, value) in attributes(tag) {
            if name.starts_with("on") {
                found.push(format!("the handler {name}="));
            }
            if is_script_url(&value) || decode(&value).to_ascii_lowercase().contains("javascript:")
            {
                found.push(format!("{name}={value:?}"));
            }
        }
    }
    found
}

/// Where the tag starting at `s` ends (the first `>` outside quotes).
fn tag_end(s: &str) -> usize {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i,
            _ => {}
        }
    }
    s.len()
}

/// The attributes of a tag's text (after `<`), names lower-cased, as a
/// browser's tokenizer splits them (`/` separates like whitespace).
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let body = tag
        .find(|c: char| c.is_whitespace() || c == '/')
        .map_or("", |i| &tag[i..]);
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && (chars[i].is_whitespace() || chars[i] == '/') {
            i += 1;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && !matches!(chars[i], '=' | '/') {
            i += 1;
        }
        let name: String = chars[start..i]
            .iter()
            .collect::<String>()
            .to_ascii_lowercase();
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < chars.len() && chars[i] == '=' {
            i += 1;
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            if i < chars.len() && matches!(chars[i], '"' | '\'') {
                let q = chars[i];
                i += 1;
                while i < chars.len() && chars[i] != q {
                    value.push(chars[i]);
                    i += 1;
                }
                i += 1;
            } else {
                while i < chars.len() && !chars[i].is_whitespace() {
                    value.push(chars[i]);
                    i += 1;
                }
            }
        }
        if !name.is_empty() {
            out.push((name, value));
        }
    }
    out
}

/// Numeric and the few named character references that spell a URL.
fn decode(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').unwrap_or(rest.len());
        let entity = &rest[1..end];
        let lower = entity.to_ascii_lowercase();
        let decoded = if let Some(hex) = lower.strip_prefix("#x") {
            u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
        } else if let Some(dec) = lower.strip_prefix('#') {
            dec.parse().ok().and_then(char::from_u32)
        } else {
            match lower.as_str() {
                "colon" => Some(':'),
                "tab" => Some('\t'),
                "newline" => Some('\n'),
                "amp" => Some('&'),
                _ => None,
            }
        };
        match decoded {
            Some(c) if end < rest.len() => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether a browser would read `value` (an attribute value or URL field)
/// as a `javascript:`, `vbscript:` or `data:` URL.
pub fn is_script_url(value: &str) -> bool {
    let decoded = decode(value);
    let cleaned: String = decoded
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:", "livescript:"]
        .iter()
        .any(|s| cleaned.starts_with(s))
}

#[test]
fn the_scanner_finds_what_it_looks_for() {
    let mut findings = Vec::new();
    for bad in [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "[x](javascript:alert(1))",
        "[x](  JaVaScRiPt:alert(1))",
        "<a href=\"java&#x09;script:alert(1)\">x</a>",
        "[x][r]\n\n[r]: vbscript:x",
        "![x](data:text/html,x)",
        "<javascript:alert(1)>",
    ] {
        findings.clear();
        check_string(bad, None, &mut findings);
        assert!(!findings.is_empty(), "{bad}");
    }
    findings.clear();
    check_string("  JaVaScRiPt:alert(1)", Some("website"), &mut findings);
    assert!(!findings.is_empty());
    for ok in [
        "javascript: the good parts",
        "a < b and `<script>` in code",
        "```\n<img onerror=x>\n```",
        "<p>x &lt;script&gt;</p>",
        "[site](https://example.com)",
        "مرحبا",
    ] {
        findings.clear();
        check_string(ok, None, &mut findings);
        assert!(findings.is_empty(), "{ok}: {findings:?}");
    }
}
