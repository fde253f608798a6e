//! Titles in each reader's language: the list in the language asked for,
//! else the user's; live events and digests in the user's; rows stored
//! before titles were kept as their parts show their English title.

use super::{Org, actor, service};
use p2p_kernel::adapters::memory::BroadcastEventBus;
use p2p_kernel::ids::{OrgId, UserId};
use p2p_kernel::ports::{NotificationRequest, NotificationText, Notifier, Recipients};
use p2p_kernel::{Locale, PageRequest};
use p2p_messaging::{NotificationFilter, Notifications};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use std::collections::HashMap;
use std::sync::Arc;

p2p_testkit::on_both!(titles_follow_the_readers_language);

/// Titles with their isolates (U+2068 … U+2069) written as `⁅…⁆`.
fn shown(title: &str) -> String {
    title.replace('\u{2068}', "⁅").replace('\u{2069}', "⁆")
}

async fn titles(service: &Notifications, user: UserId, locale: Option<Locale>) -> Vec<String> {
    let page = service
        .list(
            &actor(user, OrgId::new()),
            NotificationFilter::default(),
            PageRequest::first(10),
            locale,
        )
        .await
        .unwrap();
    page.items.iter().map(|n| shown(&n.title)).collect()
}

async fn titles_follow_the_readers_language(db: DatabaseConnection) {
    let (omar, nora, ann) = (UserId::new(), UserId::new(), UserId::new());
    let events = Arc::new(BroadcastEventBus::default());
    let mut received = events.subscribe();
    let org = Org {
        id: OrgId::new(),
        members: Vec::new(),
        arabic: vec![nora],
    };
    let service = service(&db, events.clone(), org);
    service
        .notify(vec![
            NotificationRequest::new(
                Recipients::Users(vec![nora, ann]),
                NotificationText::Mention {
                    actor: "عمر <b>الشهري</b>".into(),
                    topic: "Pump seals".into(),
                },
            )
            .by(omar),
        ])
        .await;

    let arabic = "إشارة إليك من ⁅عمر <b>الشهري</b>⁆ في «⁅Pump seals⁆»";
    let english = "⁅عمر <b>الشهري</b>⁆ mentioned you in \"⁅Pump seals⁆\"";
    // Live: each recipient's event in their language.
    let mut live = HashMap::new();
    while let Ok(event) = received.try_recv() {
        let title = event.data["title"].as_str().unwrap_or_default();
        live.insert(event.channel, shown(title));
    }
    assert_eq!(
        live.get(&format!("user:{nora}")).map(String::as_str),
        Some(arabic)
    );
    assert_eq!(
        live.get(&format!("user:{ann}")).map(String::as_str),
        Some(english)
    );
    // The list: the language asked for, else the user's.
    assert_eq!(titles(&service, nora, None).await, [arabic]);
    assert_eq!(titles(&service, nora, Some(Locale::En)).await, [english]);
    assert_eq!(titles(&service, ann, None).await, [english]);
    assert_eq!(titles(&service, ann, Some(Locale::Ar)).await, [arabic]);

    // The digest: Nora's in Arabic, the name escaped in the HTML part.
    assert_eq!(service.send_due_digests().await.unwrap(), 2);
    let mail = outbox_mail(&db, &format!("{nora}@example.com")).await;
    assert_eq!(
        shown(&mail.0),
        arabic,
        "a single notification is the subject"
    );
    assert!(shown(&mail.1).contains(arabic), "{}", mail.1);
    assert!(
        mail.2.contains("<html lang=\"ar\" dir=\"rtl\">"),
        "{}",
        mail.2
    );
    assert!(
        shown(&mail.2).contains("⁅عمر &lt;b&gt;الشهري&lt;/b&gt;⁆"),
        "{}",
        mail.2
    );
    assert!(!mail.2.contains("<b>"), "{}", mail.2);
    let mail = outbox_mail(&db, &format!("{ann}@example.com")).await;
    assert_eq!(shown(&mail.0), english);

    // A row stored before titles were kept as parts (or whose parts this
    // version cannot read) shows the English title it was stored with.
    for (text, title) in [
        ("NULL", "Old title"),
        ("'{\"says\":\"later\"}'", "Newer title"),
    ] {
        let sql = format!("UPDATE notifications SET title_text = {text}, title = '{title}'");
        db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap();
        assert_eq!(titles(&service, nora, None).await, [title]);
        assert_eq!(titles(&service, ann, Some(Locale::Ar)).await, [title]);
    }
}

/// The subject, text and HTML of the email to `recipient` in the outbox.
async fn outbox_mail(db: &DatabaseConnection, recipient: &str) -> (String, String, String) {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            match db.get_database_backend() {
                sea_orm::DatabaseBackend::Postgres => {
                    "SELECT subject, body_text, body_html FROM mail_outbox WHERE recipient = $1"
                }
                _ => "SELECT subject, body_text, body_html FROM mail_outbox WHERE recipient = ?",
            },
            [recipient.into()],
        ))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no email to {recipient}"));
    let get = |column: &str| row.try_get::<String>("", column).unwrap();
    (get("subject"), get("body_text"), get("body_html"))
}
