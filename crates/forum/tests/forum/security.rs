//! Hostile input: scripts never reach a client as markup.

use crate::support::{Env, assert_inert, fields};
use p2p_forum::{NewPost, NewTopic, PostPatch};
use p2p_kernel::PageRequest;
use p2p_kernel::ids::OrgId;

const PAYLOADS: &[&str] = &[
    "<script>alert(document.cookie)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">click</a>",
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](  javascript:alert(1))",
    "<a href=\"java&#x09;script:alert(1)\">x</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)\">x</a>",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
    "<p style=\"position:fixed;top:0\">overlay</p>",
    "<style>*{display:none}</style>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<div onmouseover=\"alert(1)\">hover</div>",
    "<form action=\"https://evil.example\"><button>go</button></form>",
    "<object data=\"evil.swf\"></object><embed src=\"evil.swf\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
    "<base href=\"https://evil.example/\">",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<details open ontoggle=alert(1)>",
    "<a href=\"vbscript:msgbox(1)\">x</a>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "[x](https://ok.example \"title\" onclick=alert(1))",
];

/// What a client rendering the Markdown `content` with an ordinary renderer
/// (raw HTML kept, no URL filtered) would put on the page.
fn rendered_raw(markdown: &str) -> String {
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(markdown));
    html
}

pub async fn xss_in_posts_is_neutralized(env: Env) {
    let ann = env.member(OrgId::new());
    let all = PAYLOADS.join("\n\n");
    // Plain-text fields refuse markup outright: nothing is created.
    let refused = env
        .forum
        .create_topic(
            &ann,
            NewTopic {
                title: "<script>alert('title')</script>".into(),
                content: all.clone(),
                category: Some("<img src=x onerror=alert(1)>".into()),
                tags: Some(vec!["<b>tag</b>".into()]),
                attachments: None,
            },
        )
        .await;
    let markup = |f: &str| (f.to_owned(), "markup_not_allowed".to_owned());
    assert_eq!(
        fields(refused),
        vec![markup("title"), markup("category"), markup("tags[0]")]
    );
    let t = env
        .forum
        .create_topic(
            &ann,
            NewTopic {
                title: "Pressure < 5 bar after the pump swap?".into(),
                content: all.clone(),
                category: Some("safety".into()),
                tags: Some(vec!["valves".into()]),
                attachments: None,
            },
        )
        .await
        .unwrap();
    assert_inert(&t.first_post.content_html);
    // The Markdown source is sanitized too: rendering it runs nothing.
    assert_inert(&rendered_raw(&t.first_post.content));
    assert_ne!(t.first_post.content, all);
    assert_eq!(t.topic.title, "Pressure < 5 bar after the pump swap?");
    for payload in PAYLOADS {
        let p = env
            .forum
            .create_post(
                &ann,
                t.topic.id,
                NewPost {
                    content: (*payload).into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_inert(&p.content_html);
        assert_inert(&rendered_raw(&p.content));
        let edited = env
            .forum
            .update_post(
                &ann,
                p.id,
                PostPatch {
                    content: format!("edited {payload}"),
                    attachments: None,
                },
            )
            .await
            .unwrap();
        assert_inert(&edited.content_html);
        assert_inert(&rendered_raw(&edited.content));
        for r in env.forum.list_revisions(&ann, p.id).await.unwrap() {
            assert_inert(&r.content_html);
            assert_inert(&rendered_raw(&r.content));
        }
    }
    // What a reader gets back from the store is just as inert.
    let d = env
        .forum
        .get_topic(&ann, t.topic.id, PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(d.posts.items.len(), PAYLOADS.len() + 1);
    for p in &d.posts.items {
        assert_inert(&p.content_html);
        assert_inert(&rendered_raw(&p.content));
    }
}

pub async fn links_are_marked_and_safe_markup_kept(env: Env) {
    let ann = env.member(OrgId::new());
    let t = env
        .forum
        .create_topic(
            &ann,
            NewTopic {
                title: "Useful links".into(),
                content: "See [the manual](https://vendor.example/manual.pdf), \
                          <https://plant.example/>, [rel](/relative) and \
                          [mail](mailto:ops@plant.example).\n\n\
                          | a | b |\n|---|---|\n| 1 | ~~2~~ |\n\n\
                          <details><summary>More</summary>hidden</details>"
                    .into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let html = &t.first_post.content_html;
    assert!(
        html.contains(
            "<a href=\"https://vendor.example/manual.pdf\" rel=\"nofollow noopener noreferrer\">the manual</a>"
        ),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"https://plant.example/\" rel=\"nofollow noopener noreferrer\">")
    );
    assert!(html.contains("href=\"mailto:ops@plant.example\""));
    assert!(
        !html.contains("/relative\""),
        "relative links are dropped: {html}"
    );
    assert!(
        html.contains("<table>") && html.contains("<del>2</del>"),
        "{html}"
    );
    assert!(html.contains("<details><summary>More</summary>"), "{html}");
    assert_inert(html);
}

pub async fn control_characters_are_refused(env: Env) {
    let ann = env.member(OrgId::new());
    let result = env
        .forum
        .create_topic(
            &ann,
            NewTopic {
                title: "Line\nbreak title".into(),
                content: "ok".into(),
                category: Some("cat\u{1b}[31m".into()),
                tags: Some(vec!["tag\u{0}".into()]),
                attachments: None,
            },
        )
        .await;
    assert_eq!(
        fields(result),
        vec![
            ("title".into(), "invalid_characters".into()),
            ("category".into(), "invalid_characters".into()),
            ("tags[0]".into(), "invalid_characters".into()),
        ]
    );
}

p2p_testkit::on_both!(
    xss_in_posts_is_neutralized,
    links_are_marked_and_safe_markup_kept,
    control_characters_are_refused,
);
