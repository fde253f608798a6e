use super::PortError;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// One email to send.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// Identifies the email across sending attempts (its outbox row): its
    /// `Message-ID` is `<id@sender's domain>` at every attempt, so a
    /// receiver can drop the copy sent again after an attempt whose outcome
    /// was unknown. `None`: a new `Message-ID` per attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<uuid::Uuid>,
}

/// Delivers emails. Callers that must not lose an email go through the outbox,
/// which retries a failing transport.
#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), PortError>;
}
