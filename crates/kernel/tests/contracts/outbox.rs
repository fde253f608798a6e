//! The mail outbox keeps an email until the transport takes it, retrying a
//! failing transport, and never sends one twice.

use async_trait::async_trait;
use p2p_kernel::outbox::{self, OutboxConfig, OutboxWorker};
use p2p_kernel::ports::{Mailer, OutgoingEmail, PortError};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Fails the first `failures` sends, then records what it is given.
struct FlakyMailer {
    failures: AtomicUsize,
    sent: Mutex<Vec<OutgoingEmail>>,
}

#[async_trait]
impl Mailer for FlakyMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), PortError> {
        if self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(PortError::new("smtp", "421 service not available"));
        }
        self.sent
            .lock()
            .map_err(|_| PortError::new("smtp", "poisoned"))?
            .push(email.clone());
        Ok(())
    }
}

#[tokio::test]
async fn failing_transport_is_retried_and_nothing_is_lost_or_doubled() {
    let (db, dir) = crate::support::sqlite("outbox").await;

    for i in 0..3 {
        let email = OutgoingEmail {
            to: format!("user{i}@factory.sa"),
            subject: format!("Invitation {i}"),
            text: "Join us".into(),
            html: None,
            id: None,
        };
        outbox::enqueue(&db, &email)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let mailer = Arc::new(FlakyMailer {
        failures: AtomicUsize::new(4),
        sent: Mutex::new(Vec::new()),
    });
    let config = OutboxConfig {
        max_backoff: Duration::from_millis(20),
        ..OutboxConfig::default()
    };
    let worker = OutboxWorker::new(db.clone(), mailer.clone(), config);
    for _ in 0..200 {
        worker.deliver_due().await.unwrap_or_else(|e| panic!("{e}"));
        if OutboxWorker::pending(&db).await.unwrap_or(1) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        OutboxWorker::pending(&db).await.ok(),
        Some(0),
        "everything delivered"
    );
    let mut sent: Vec<String> = mailer
        .sent
        .lock()
        .map(|s| s.iter().map(|e| e.to.clone()).collect())
        .unwrap_or_default();
    sent.sort();
    assert_eq!(
        sent,
        vec!["user0@factory.sa", "user1@factory.sa", "user2@factory.sa"],
        "each email exactly once"
    );
    std::fs::remove_dir_all(&dir).ok();
}
