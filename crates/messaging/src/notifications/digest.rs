//! Email digests: one email per user per window with everything that became
//! pending meanwhile, written to the mail outbox in the transaction that
//! marks those notifications emailed (so a digest is neither lost nor sent
//! twice, even with several server instances). Each is written in its
//! recipient's language (Arabic right to left), as text and HTML.

use super::Notifications;
use super::group::display_title;
use crate::entity::{digest, notification};
use p2p_kernel::ids::UserId;
use p2p_kernel::outbox;
use p2p_kernel::persistence::begin_write;
use p2p_kernel::persistence::db_now;
use p2p_kernel::ports::OutgoingEmail;
use p2p_kernel::text::{ArabicNoun, Block, letter, unlinkable};
use p2p_kernel::{DomainError, Locale};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// The most notifications listed in one digest email (the rest are counted).
const MAX_LISTED: usize = 50;
/// Digests handled per pass.
const BATCH: u64 = 100;
const PRODUCT: &str = "P2P Sandbox";
/// "n new notifications" (`إشعاران جديدان`, `3 إشعارات جديدة`, `11 إشعارًا جديدًا`).
const NEW_NOTIFICATIONS: ArabicNoun = ArabicNoun {
    one: "إشعار جديد",
    two: "إشعاران جديدان",
    few: "إشعارات جديدة",
    many: "إشعارًا جديدًا",
    hundreds: "إشعار جديد",
};
/// "n others" after "and" (`…و50 غيرها`): the counted noun in the genitive.
const NOTIFICATIONS: ArabicNoun = ArabicNoun {
    one: "إشعار واحد",
    two: "إشعارين",
    few: "إشعارات",
    many: "إشعارًا",
    hundreds: "إشعار",
};

/// Where and in which language a user reads the platform's emails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailRecipient {
    pub user: UserId,
    pub email: String,
    pub locale: Locale,
}

/// Email digest settings.
#[derive(Clone, Debug)]
pub struct DigestConfig {
    /// How long after a user's first pending notification their digest goes out.
    pub window: Duration,
    /// Base of the links in emails (`https://p2p.example.com`).
    pub public_url: String,
    /// Wakes the outbox worker after a digest is written.
    pub outbox_waker: Option<Arc<Notify>>,
}

impl DigestConfig {
    pub fn new(window: Duration, public_url: impl Into<String>) -> Self {
        Self {
            window,
            public_url: public_url.into().trim_end_matches('/').to_owned(),
            outbox_waker: None,
        }
    }
}

/// Writes due digests to the outbox in the background.
pub struct DigestWorker {
    service: Notifications,
    poll: Duration,
}

impl Notifications {
    pub fn digest_worker(&self) -> DigestWorker {
        let window = self.parts().digest.window;
        DigestWorker {
            service: self.clone(),
            poll: (window / 2).clamp(Duration::from_millis(200), Duration::from_secs(5)),
        }
    }

    /// Writes every due digest to the outbox; returns how many were written.
    pub async fn send_due_digests(&self) -> Result<usize, DomainError> {
        let due = digest::Entity::find()
            .filter(digest::Column::DueAt.lte(db_now()))
            .order_by_asc(digest::Column::DueAt)
            .limit(BATCH)
            .all(self.db())
            .await?;
        let mut written = 0;
        for d in due {
            if self.send_digest(UserId(d.user_id)).await? {
                written += 1;
            }
        }
        if written > 0
            && let Some(waker) = &self.parts().digest.outbox_waker
        {
            waker.notify_one();
        }
        Ok(written)
    }

    /// Claims the user's due digest (deleting its row: of concurrent claims
    /// one wins), marks the pending notifications emailed and enqueues the
    /// email, all in one transaction.
    async fn send_digest(&self, user: UserId) -> Result<bool, DomainError> {
        let recipient = self
            .parts()
            .directory
            .emails(&[user])
            .await?
            .into_iter()
            .next();
        let txn = begin_write(self.db()).await?;
        let claimed = digest::Entity::delete_many()
            .filter(digest::Column::UserId.eq(user.0))
            .filter(digest::Column::DueAt.lte(db_now()))
            .exec(&txn)
            .await?
            .rows_affected;
        if claimed == 0 {
            return Ok(false);
        }
        let pending = notification::Entity::find()
            .filter(notification::Column::UserId.eq(user.0))
            .filter(notification::Column::EmailPending.eq(true))
            .order_by_asc(notification::Column::Id)
            .all(&txn)
            .await?;
        if pending.is_empty() {
            txn.commit().await?;
            return Ok(false);
        }
        notification::Entity::update_many()
            .col_expr(notification::Column::EmailPending, Expr::value(false))
            .filter(notification::Column::Id.is_in(pending.iter().map(|n| n.id)))
            .exec(&txn)
            .await?;
        let sent = match recipient {
            Some(to) => {
                outbox::enqueue(&txn, &self.digest_email(&to, &pending)).await?;
                true
            }
            None => false,
        };
        txn.commit().await?;
        Ok(sent)
    }

    fn digest_email(&self, to: &EmailRecipient, pending: &[notification::Model]) -> OutgoingEmail {
        let base = &self.parts().digest.public_url;
        let locale = to.locale;
        // Titles carry what users wrote (names, topic titles): plain text that
        // no mail client turns into a link.
        // Escaped in the HTML part by `letter`; names keep their direction
        // (isolated by `display_title`).
        let title = |n: &notification::Model| unlinkable(&display_title(n, locale)).into_owned();
        let listed = pending
            .iter()
            .take(MAX_LISTED)
            .map(|n| {
                (
                    title(n),
                    n.link.as_ref().map(|link| format!("{base}{link}")),
                )
            })
            .collect();
        let more = pending.len().saturating_sub(MAX_LISTED) as u64;
        let settings = Block::Link {
            url: format!("{base}/settings/notifications"),
            label: match locale {
                Locale::En => "Email settings".to_owned(),
                Locale::Ar => "إعدادات البريد".to_owned(),
            },
        };
        let everything = format!("{base}/notifications");
        let (subject, blocks) = match locale {
            Locale::En => {
                let subject = match pending {
                    [one] => title(one),
                    many => format!("{} new notifications on {PRODUCT}", many.len()),
                };
                let mut blocks = vec![
                    Block::Paragraph("Here is what happened since our last email:".into()),
                    Block::List(listed),
                ];
                if more > 0 {
                    blocks.push(Block::Paragraph(format!("…and {more} more: {everything}")));
                }
                blocks.push(Block::Paragraph(
                    "Choose which notifications you get by email:".into(),
                ));
                (subject, blocks)
            }
            Locale::Ar => {
                let subject = match pending {
                    [one] => title(one),
                    many => format!(
                        "لديك {} على {PRODUCT}",
                        NEW_NOTIFICATIONS.count(many.len() as u64)
                    ),
                };
                let mut blocks = vec![
                    Block::Paragraph("إليك ما استجدّ منذ رسالتنا الأخيرة:".into()),
                    Block::List(listed),
                ];
                if more > 0 {
                    blocks.push(Block::Paragraph(format!(
                        "…و{} غيرها: {everything}",
                        NOTIFICATIONS.count(more)
                    )));
                }
                blocks.push(Block::Paragraph(
                    "اختر الإشعارات التي تصلك بالبريد الإلكتروني:".into(),
                ));
                (subject, blocks)
            }
        };
        let mut blocks = blocks;
        blocks.push(settings);
        letter(locale, &to.email, subject, &blocks)
    }
}

impl DigestWorker {
    /// Runs until `shutdown` turns true.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            if let Err(e) = self.service.send_due_digests().await {
                tracing::warn!(error = %e, "notification digest pass failed");
            }
            tokio::select! {
                () = tokio::time::sleep(self.poll) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                return;
            }
        }
    }
}
