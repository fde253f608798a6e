use super::*;

pub(crate) const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "hi <script>alert(1)</script> there",
    "<img src=x onerror=alert(1)>",
    "text <img src=x onerror=alert(1)> more",
    "<a href=\"javascript:alert(1)\">x</a>",
    "inline <a href=\"javascript:alert(1)\" onclick=\"alert(2)\">x</a> link",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](<java script:alert(1)>)",
    "[x](java&#x09;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<javascript:alert(1)>",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "[x]\n\n[x]: <vbscript:msgbox(1)>",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<p style=\"background:url(javascript:alert(1))\">x</p>",
    "<style>body{display:none}</style>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<svg onload=alert(1)>",
    "<div onclick=\"alert(1)\">x</div>",
    "<div\nonclick=\"alert(1)\">x</div>",
    "> <div\n> onclick=\"alert(1)\">x</div>",
    "- <div onmouseover=alert(1)>\n  x\n  </div>",
    "<form action=\"https://evil.example\"><input></form>",
    "<object data=\"x\"></object><embed src=\"x\">",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<textarea>\n\n[x](javascript:alert(1))\n</textarea>",
    "<div>\n[x](javascript:alert(1))\n</div>",
    "<details open ontoggle=alert(1)><summary>x</summary></details>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "[![x](https://a.example/i.png)](javascript:alert(1))",
    "<img src=\"https://tracker.example/p.gif\" onerror=alert(1)>",
    "**[click](javascript:alert(1))** and `code`",
];

/// Whether `markdown` still holds anything a Markdown renderer with raw
/// HTML enabled would run: checked by parsing it again.
pub(crate) fn assert_inert(markdown: &str) {
    let parser = Parser::new_ext(markdown, OPTIONS);
    for (_, def) in parser.reference_definitions().iter() {
        assert!(
            is_safe_link(&def.dest),
            "definition {:?} in {markdown:?}",
            def.dest
        );
    }
    let mut block = String::new();
    for event in parser {
        match event {
            Event::Html(h) => block.push_str(&h),
            Event::End(TagEnd::HtmlBlock) => {
                assert_html_inert(&block);
                let text = Builder::empty().clean(&block).to_string();
                assert!(!has_script_link(&text), "{block:?} of {markdown:?}");
                block.clear();
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                assert!(is_safe_link(&dest_url), "{dest_url} in {markdown:?}");
            }
            Event::InlineHtml(h) => {
                assert_html_inert(&h);
                let text = Builder::empty().clean(&h).to_string();
                assert!(!has_script_link(&text), "{h:?} of {markdown:?}");
            }
            _ => {}
        }
    }
}

/// No active tag, no handler and no script URL in an attribute (text
/// reading `javascript:alert(1)` is text: it is not a link).
fn assert_html_inert(html: &str) {
    let lower = html.to_ascii_lowercase();
    for bad in [
        "<script", "<style", "<iframe", "<svg", "<object", "<embed", "<form",
    ] {
        assert!(!lower.contains(bad), "{bad} in {html}");
    }
    for tag in lower.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        for attr in tag.split_whitespace().skip(1) {
            assert!(!attr.starts_with("on"), "{attr} in {html}");
            assert!(!attr.starts_with("style"), "{attr} in {html}");
            if let Some((_, value)) = attr.split_once('=') {
                assert!(is_safe_link(value.trim_matches('"')), "{attr} in {html}");
            }
        }
    }
}

#[test]
fn payloads_are_neutralized_in_the_source_and_the_html() {
    let md = Markdown::default();
    for payload in PAYLOADS {
        let clean = md.sanitize(payload);
        assert_inert(&clean);
        assert_html_inert(&md.to_html(&clean));
        assert_eq!(
            md.sanitize(&clean),
            clean,
            "sanitizing twice changes nothing"
        );
    }
}

#[test]
fn legitimate_text_is_kept_as_written() {
    let md = Markdown::default();
    for text in [
        "مرحبا بالعالم: كيف نخفض **الهدر**؟",
        "pressure a < b and x <= y, 3 > 2",
        "`<script>alert(1)</script>` shows code",
        "```html\n<img src=x onerror=alert(1)>\n<script>x</script>\n```",
        "    <script>indented code</script>",
        "[site](https://example.com \"title\") and <https://example.com> and <ann@example.com>",
        "[mail](mailto:a@example.com) and [rel](/forums/topics/1) and [anchor](#top)",
        "- a\n- b\n\n> quote\n\n| a | b |\n|---|---|\n| 1 | 2 |",
        "Use *emphasis* and ~~strike~~ and \\*escapes\\*.",
        "<b>bold</b> and <em>em</em> and line<br>break",
    ] {
        assert_eq!(md.sanitize(text), text, "{text}");
    }
}

#[test]
fn raw_html_keeps_what_the_html_sanitizer_keeps() {
    let md = Markdown::default();
    assert_eq!(
        md.sanitize("a <b onclick=\"x()\">bold</b> <span>s</span>"),
        "a <b>bold</b> <span>s</span>"
    );
    assert_eq!(md.sanitize("a <blink>x</blink> b"), "a x b");
    assert_eq!(
        md.sanitize("x<y and <svg/onload=alert(1)>"),
        "x\\<y and \\<svg/onload=alert(1)>"
    );
    assert_eq!(md.to_html("x\\<y"), "<p>x&lt;y</p>\n");
    assert_eq!(md.sanitize("[x](javascript:alert(1)) y"), "x y");
    assert_eq!(
        md.sanitize("**[click *me*](vbscript:x)**"),
        "**click *me***"
    );
    assert_eq!(md.sanitize("<script>alert(1)</script>\n\nok"), "\n\nok");
    assert_eq!(md.sanitize("[r]: javascript:x\n\n[a][r]"), "\n\na");
    assert_eq!(
        md.sanitize("<script>alert(1)</script> [x](javascript:alert(3)) <a href=\"https://ok.example\" style=\"color:red\">ok</a>"),
        " x <a href=\"https://ok.example\" rel=\"nofollow noopener noreferrer\">ok</a>"
    );
}

#[test]
fn remote_images_become_links_unless_allowed() {
    let md = Markdown::new(ImagePolicy::new(
        ["img.example".to_owned()],
        Some("https://p2p.example/"),
    ));
    assert_eq!(
        md.sanitize("![chart](https://tracker.example/p.gif)"),
        "[chart](https://tracker.example/p.gif)"
    );
    assert_eq!(
        md.sanitize("![](//tracker.example/p.gif)"),
        "[](//tracker.example/p.gif)"
    );
    for kept in [
        "![chart](https://IMG.example/c.png)",
        "![file](https://p2p.example/api/v1/files/0190b4a0-0000-7000-8000-000000000000)",
    ] {
        assert_eq!(md.sanitize(kept), kept);
    }
    assert_eq!(
        md.sanitize("![x](https://p2p.example/api/v1/users/me)"),
        "[x](https://p2p.example/api/v1/users/me)"
    );
    assert_eq!(md.sanitize("![x](data:image/png;base64,AAAA)"), "x");
    let html = md.to_html(
        "<img src=\"https://tracker.example/p.gif\"> <img src=\"https://img.example/a.png\">",
    );
    assert!(!html.contains("tracker.example"), "{html}");
    assert!(html.contains("https://img.example/a.png"), "{html}");
    let html = md.to_html(&md.sanitize("![chart](https://tracker.example/p.gif)"));
    assert!(!html.contains("<img"), "{html}");
    assert!(
        html.contains("href=\"https://tracker.example/p.gif\""),
        "{html}"
    );
}

#[test]
fn script_links_in_plain_text() {
    for bad in [
        "[x](javascript:alert(1))",
        "see [x](  JaVaScRiPt:alert(1))",
        "![x](data:text/html,x)",
        "[x][r]\n\n[r]: vbscript:x",
    ] {
        assert!(has_script_link(bad), "{bad}");
    }
    for ok in [
        "[x](https://a.example)",
        "javascript: the good parts",
        "a < b",
    ] {
        assert!(!has_script_link(ok), "{ok}");
    }
}

#[test]
fn payloads_combined_and_nested_stay_neutralized() {
    let md = Markdown::default();
    let wrappers = [
        "{}",
        "> {}",
        "- {}",
        "1. > - {}",
        "**{}**",
        "[{}](https://a.example)",
        "<div>\n{}\n</div>",
    ];
    for (i, a) in PAYLOADS.iter().enumerate() {
        let b = PAYLOADS[(i * 7 + 3) % PAYLOADS.len()];
        for w in wrappers {
            let source = w.replace("{}", &format!("{a}\n{b}"));
            let clean = md.sanitize(&source);
            assert_inert(&clean);
            assert_html_inert(&md.to_html(&clean));
        }
    }
}
