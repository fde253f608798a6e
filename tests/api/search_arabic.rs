//! Arabic as people write it (issue 18): search finds a topic whatever the
//! article, prefix, number, alef or diacritics of the query, highlights the
//! words as written, keeps English stemming; user names match on folded
//! spellings («احمد» finds «أحمد» and the other way round).

use crate::search::{ids, until};
use p2p_tests::{TestApp, unique_email};
use serde_json::json;

/// The query string value for `q` (spaces and non-ASCII percent-encoded).
fn encoded(q: &str) -> String {
    let mut out = String::new();
    for b in q.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The snippet of the first hit of `q`.
async fn first_snippet(app: &TestApp, token: Option<&str>, q: &str) -> String {
    let found = app
        .get(&format!("/api/v1/search?q={}", encoded(q)), token)
        .await;
    found.assert_status(200);
    found.json["items"][0]["snippet"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn arabic_spellings_find_the_topic_and_snippets_keep_the_original() {
    let app = TestApp::spawn().await;
    let asker = app.signup(&unique_email("asker")).await;
    let reader = app.signup(&unique_email("reader")).await;
    let created = app
        .post(
            "/api/v1/forums/topics",
            asker.token(),
            &json!({
                "title": "تآكل المضخّات الهيدروليكية",
                "content": "بعد ٢٠٠٠ ساعة ظهر تآكل في الصمامات أيضًا. The pumps are axial piston pumps (P < 5 bar & falling). <script>x</script>",
                "tags": ["صيانة"],
            }),
        )
        .await;
    created.assert_status(201);
    let topic_id = created.json["topic"]["id"].as_str().unwrap().to_owned();
    let other = app
        .post(
            "/api/v1/forums/topics",
            asker.token(),
            &json!({"title": "جدولة الورديات في المستودع", "content": "Shift planning.", "tags": []}),
        )
        .await;
    other.assert_status(201);

    until(&app, "/api/v1/search?q=pump", reader.token(), |b| {
        ids(b).contains(&topic_id)
    })
    .await;
    for q in [
        "مضخات",
        "بالمضخات",
        "مضخة",
        "تاكل",
        "الصمام",
        "المُضَخّات",
        "الهيدروليكيه",
        "2000",
        "pumps مضخة",
    ] {
        let found = app
            .get(&format!("/api/v1/search?q={}", encoded(q)), reader.token())
            .await;
        found.assert_status(200);
        assert_eq!(
            ids(&found.json),
            vec![topic_id.clone()],
            "{q}: {}",
            found.text
        );
    }
    // The matched words are marked as they were written, and the body stays escaped.
    let snippet = first_snippet(&app, reader.token(), "مضخة تاكل").await;
    assert!(snippet.contains("<mark>تآكل</mark>"), "{snippet}");
    let snippet = first_snippet(&app, reader.token(), "الصمام pump").await;
    assert!(snippet.contains("<mark>الصمامات</mark>"), "{snippet}");
    assert!(snippet.contains("<mark>pumps</mark>"), "{snippet}");
    assert!(snippet.contains("&lt; 5 bar &amp;"), "{snippet}");
    assert!(!snippet.contains("<script"), "{snippet}");
    // Words that are not in it still find nothing.
    let none = app
        .get(
            &format!("/api/v1/search?q={}", encoded("مضخة الورديات")),
            reader.token(),
        )
        .await;
    assert!(ids(&none.json).is_empty(), "{}", none.text);
    app.stop().await;
}

#[tokio::test]
async fn user_names_match_on_folded_spellings() {
    let app = TestApp::spawn().await;
    let admin = app
        .signup_as(&unique_email("ahmad"), "أحمد", "العتيبي", "مصنع العتيبي")
        .await;
    let colleague = app
        .signup_as(&unique_email("ahmed"), "احمد", "الشهري", "مصنع الشهري")
        .await;

    // The organization's user list, by name, both ways round.
    for q in ["احمد", "أحمد", "أحمد العتيبي", "اَحْمَد"] {
        let list = app
            .get(&format!("/api/v1/users?q={}", encoded(q)), admin.token())
            .await;
        list.assert_status(200);
        assert_eq!(
            ids(&list.json),
            vec![admin.user_id.clone()],
            "{q}: {}",
            list.text
        );
    }
    // LIKE wildcards stay literal; a control character (a NUL, which no
    // PostgreSQL text holds) matches nobody.
    for q in ["%", "احمد\u{0}", "\u{7}"] {
        let list = app
            .get(&format!("/api/v1/users?q={}", encoded(q)), admin.token())
            .await;
        list.assert_status(200);
        assert!(ids(&list.json).is_empty(), "{q:?}: {}", list.text);
    }

    // Search over people: «احمد» finds both spellings.
    let both = until(
        &app,
        "/api/v1/search?q=%D8%A7%D8%AD%D9%85%D8%AF&kind=user",
        colleague.token(),
        |b| ids(b).len() == 2,
    )
    .await;
    let mut found = ids(&both);
    found.sort();
    let mut expected = vec![admin.user_id.clone(), colleague.user_id.clone()];
    expected.sort();
    assert_eq!(found, expected, "{both}");
    app.stop().await;
}
