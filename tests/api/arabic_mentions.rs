//! `@mentions` of people with Arabic names: `@أحمد.العتيبي` resolves to the
//! person and notifies them, written with or without diacritics and tatweel,
//! followed by Arabic punctuation, and whichever way alef, hamza and taa
//! marbuta are written (`@احمد` mentions «أحمد» and `@أحمد` «احمد»).

use crate::messages::signup_named;
use crate::notifications::{create_topic, notifications, reply};
use p2p_tests::{Session, TestApp, unique_email};
use serde_json::Value;

fn mentions_of(list: &[Value], actor: &Session) -> usize {
    list.iter()
        .filter(|n| n["kind"] == "mention" && n["actor_id"] == actor.user_id.as_str())
        .count()
}

#[tokio::test]
async fn arabic_handles_resolve_and_notify() {
    let app = TestApp::spawn().await;
    let ahmed = app
        .signup_as(
            &unique_email("ahmed"),
            "أحمد",
            "العتيبي",
            "مصنع العتيبي للحديد",
        )
        .await;
    // Written with a diacritic and a tatweel: the handle leaves them out.
    let sara = app
        .signup_as(&unique_email("sara"), "سارَة", "القحـطاني", "بلاستيك الرياض")
        .await;
    let omar = app
        .signup_as(
            &unique_email("omar"),
            "Omar",
            "Al-Shehri",
            "Dammam Packaging",
        )
        .await;

    let topic = create_topic(
        &app,
        &omar,
        "تآكل المضخات الهيدروليكية",
        "@أحمد.العتيبي، هل جربتم mechanical seal من مورد محلي؟",
    )
    .await;
    let topic_id = topic["topic"]["id"].as_str().unwrap().to_owned();
    let author = &topic["topic"]["author"];
    assert_eq!(author["display_name"], "Omar Al-Shehri", "{topic}");
    assert_eq!(author["erased"], false, "{topic}");

    let list = notifications(&app, &ahmed).await;
    assert_eq!(mentions_of(&list, &omar), 1, "{list:?}");
    let mention = list.iter().find(|n| n["kind"] == "mention").unwrap();
    assert!(
        mention["link"]
            .as_str()
            .unwrap_or_default()
            .contains(&topic_id),
        "{mention}"
    );

    // Diacritics and tatweel in the mention, Arabic punctuation after it.
    reply(
        &app,
        &omar,
        &topic_id,
        None,
        "شكرًا @أحمَد.العـتيبي. وأيضًا @سارة.القحطاني؛ ما رأيك؟",
    )
    .await;
    let list = notifications(&app, &ahmed).await;
    assert_eq!(mentions_of(&list, &omar), 2, "{list:?}");
    let list = notifications(&app, &sara).await;
    assert_eq!(mentions_of(&list, &omar), 1, "{list:?}");

    // A handle nobody has, and an address, mention no one.
    reply(
        &app,
        &ahmed,
        &topic_id,
        None,
        "@أحمد.الغامدي راسلني على a@أحمد.sa",
    )
    .await;
    let list = notifications(&app, &ahmed).await;
    assert_eq!(
        list.iter().filter(|n| n["kind"] == "mention").count(),
        2,
        "{list:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn handles_match_however_alef_hamza_and_taa_marbuta_are_written() {
    let app = TestApp::spawn().await;
    // One named with hamza, one without; each mentioned the other way.
    let hamza = signup_named(&app, "أحمد", "الغامدي").await;
    let bare = signup_named(&app, "احمد", "الزهراني").await;
    let fatima = signup_named(&app, "فاطمة", "المطيري").await;
    let omar = signup_named(&app, "Omar", "Al-Shehri").await;

    create_topic(
        &app,
        &omar,
        "صيانة الضواغط",
        "@احمد.الغامدي و @أحمد.الزهراني و @فاطمه.المطيري ما رأيكم؟",
    )
    .await;
    for user in [&hamza, &bare, &fatima] {
        let list = notifications(&app, user).await;
        assert_eq!(mentions_of(&list, &omar), 1, "{}: {list:?}", user.email);
    }
    app.stop().await;
}
