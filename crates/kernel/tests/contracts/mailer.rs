use p2p_kernel::adapters::mail::{FileMailer, SmtpMailer};
use p2p_kernel::ports::{HealthProbe, Mailer, OutgoingEmail};
use p2p_kernel::testenv;
use std::path::Path;
use std::time::Duration;

fn email(to: &str, marker: &str) -> OutgoingEmail {
    OutgoingEmail {
        to: to.to_owned(),
        subject: format!("Welcome {marker}"),
        text: format!("Follow https://p2p.example/verify?token={marker}"),
        html: Some(format!("<p>token {marker}</p>")),
        id: None,
    }
}

/// Every file under `dir` (recursively) whose content mentions `marker`.
fn find_messages(dir: &Path, marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path)
                && text.contains(marker)
            {
                found.push(text);
            }
        }
    }
    found
}

async fn wait_for_message(dir: &Path, marker: &str) -> String {
    for _ in 0..100 {
        if let Some(m) = find_messages(dir, marker).pop() {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no message with {marker} arrived in {}", dir.display());
}

async fn contract(mailer: &dyn Mailer, inbox: &Path) {
    let marker = uuid::Uuid::new_v4().simple().to_string();
    mailer
        .send(&email("Nora <nora@factory.sa>", &marker))
        .await
        .unwrap_or_else(|e| panic!("send failed: {e}"));
    let message = wait_for_message(inbox, &marker).await;
    assert!(message.contains("nora@factory.sa"), "recipient header");
    assert!(
        message.contains(&format!("Subject: Welcome {marker}")),
        "subject header"
    );
    assert!(
        message.contains("text/plain") && message.contains("text/html"),
        "both parts"
    );

    let bad = mailer.send(&email("not an address", &marker)).await;
    assert!(bad.is_err(), "an invalid recipient is refused");

    // An email with an id (an outbox row) has the same Message-ID at every attempt.
    let marker = uuid::Uuid::new_v4().simple().to_string();
    let id = uuid::Uuid::new_v4();
    let mut again = email("nora@factory.sa", &marker);
    again.id = Some(id);
    for _ in 0..2 {
        mailer
            .send(&again)
            .await
            .unwrap_or_else(|e| panic!("send failed: {e}"));
    }
    for _ in 0..100 {
        if find_messages(inbox, &marker).len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ids: Vec<String> = find_messages(inbox, &marker)
        .iter()
        .filter_map(|m| {
            m.lines()
                .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
                .map(|l| l["message-id:".len()..].trim().to_owned())
        })
        .collect();
    let expected = format!("<{}@p2p.example>", id.simple());
    assert_eq!(ids, [expected.clone(), expected], "one Message-ID for both");
}

#[tokio::test]
async fn file_mailer_contract() {
    let dir = std::env::temp_dir().join(format!("p2p-mail-{}", uuid::Uuid::new_v4()));
    let mailer = FileMailer::new(&dir, "P2P Sandbox <no-reply@p2p.example>")
        .unwrap_or_else(|e| panic!("{e}"));
    contract(&mailer, &dir).await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn smtp_mailer_contract() {
    let url = testenv::smtp_url();
    let mailer = SmtpMailer::new(&url, "P2P Sandbox <no-reply@p2p.example>")
        .unwrap_or_else(|e| panic!("{e}"));
    if let Err(e) = mailer.check().await {
        panic!("{}", testenv::missing("SMTP sink", &url, e));
    }
    contract(&mailer, &testenv::maildir()).await;
}
