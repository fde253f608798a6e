//! Mail transports: SMTP for deployments, `.eml` files in the data directory
//! for the embedded default.

use crate::ports::{HealthProbe, Mailer, OutgoingEmail, PortError};
use async_trait::async_trait;
use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;

fn build_message(from: &Mailbox, email: &OutgoingEmail) -> Result<Message, PortError> {
    let to: Mailbox = email
        .to
        .parse()
        .map_err(|e| PortError::new("mail", format!("invalid recipient: {e}")))?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone());
    if let Some(id) = email.id {
        builder = builder.message_id(Some(message_id(id, from)));
    }
    let message = match &email.html {
        Some(html) => builder.multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            html.clone(),
        )),
        None => builder.singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(email.text.clone()),
        ),
    };
    message.map_err(|e| PortError::new("mail", e))
}

/// The `Message-ID` of the email `id` from `from`: the same at every attempt.
fn message_id(id: uuid::Uuid, from: &Mailbox) -> String {
    format!("<{}@{}>", id.simple(), from.email.domain())
}

fn parse_from(from: &str) -> Result<Mailbox, PortError> {
    from.parse()
        .map_err(|e| PortError::new("mail", format!("invalid sender address: {e}")))
}

/// Sends through an SMTP server (`smtp://host:port`, `smtps://…`, with optional credentials).
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    pub fn new(url: &str, from: &str) -> Result<Self, PortError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| PortError::new("smtp", e))?
            .timeout(Some(Duration::from_secs(10)))
            .build();
        Ok(Self {
            transport,
            from: parse_from(from)?,
        })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), PortError> {
        let message = build_message(&self.from, email)?;
        crate::round_trips::timed("smtp", "send", self.transport.send(message))
            .await
            .map(|_| ())
            .map_err(|e| PortError::new("smtp", e))
    }
}

#[async_trait]
impl HealthProbe for SmtpMailer {
    fn name(&self) -> &'static str {
        "smtp"
    }

    async fn check(&self) -> Result<(), PortError> {
        match self.transport.test_connection().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(PortError::new("smtp", "server did not accept NOOP")),
            Err(e) => Err(PortError::new("smtp", e)),
        }
    }
}

/// Writes each email as an `.eml` file into a directory and logs a line about it.
#[derive(Clone)]
pub struct FileMailer {
    dir: PathBuf,
    from: Mailbox,
}

impl FileMailer {
    pub fn new(dir: impl Into<PathBuf>, from: &str) -> Result<Self, PortError> {
        Ok(Self {
            dir: dir.into(),
            from: parse_from(from)?,
        })
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), PortError> {
        let message = build_message(&self.from, email)?;
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|e| PortError::new("mail", e))?;
        let stamp = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
        let name = format!("{stamp}-{}.eml", uuid::Uuid::new_v4().simple());
        let path = self.dir.join(name);
        let tmp = path.with_extension("tmp");
        tokio::fs::write(&tmp, message.formatted())
            .await
            .map_err(|e| PortError::new("mail", e))?;
        tokio::fs::rename(&tmp, &path)
            .await
            .map_err(|e| PortError::new("mail", e))?;
        tracing::info!(to = %email.to, subject = %email.subject, path = %path.display(), "email written");
        Ok(())
    }
}
