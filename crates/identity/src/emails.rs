//! The emails the identity domain sends, in the recipient's language (the
//! account's `locale`; an invitation's own for someone without an account),
//! each with a text part and an HTML part ([`letter`]), with links built
//! from the public URL. Names that users chose (people, organizations) go in
//! through [`unlinkable`]: plain text that no mail client turns into a link.

use crate::config::IdentityConfig;
use crate::entity::user;
use crate::users::Sender;
use p2p_kernel::ports::OutgoingEmail;
use p2p_kernel::text::{ArabicNoun, Block, letter, unlinkable};
use p2p_kernel::{Locale, Role};
use std::time::Duration;

const PRODUCT: &str = "P2P Sandbox";

fn link(config: &IdentityConfig, path: &str, token: &str) -> String {
    format!("{}/{path}?token={token}", config.public_url)
}

/// The language stored for a user or an invitation (`en` if unreadable).
pub(crate) fn locale_of(stored: &str) -> Locale {
    Locale::from_tag(stored).unwrap_or_default()
}

const MINUTES: ArabicNoun = ArabicNoun {
    one: "دقيقة واحدة",
    two: "دقيقتين",
    few: "دقائق",
    many: "دقيقة",
    hundreds: "دقيقة",
};
const HOURS: ArabicNoun = ArabicNoun {
    one: "ساعة واحدة",
    two: "ساعتين",
    few: "ساعات",
    many: "ساعة",
    hundreds: "ساعة",
};
const DAYS: ArabicNoun = ArabicNoun {
    one: "يوم واحد",
    two: "يومين",
    few: "أيام",
    many: "يومًا",
    hundreds: "يوم",
};

/// How long a link stays valid, as the sentence "expires in …" needs it.
fn lifetime(locale: Locale, d: Duration) -> String {
    let hours = d.as_secs() / 3600;
    let (n, unit) = match hours {
        0 => ((d.as_secs() / 60).max(1), "minute"),
        h if h % 24 == 0 && h >= 48 => (h / 24, "day"),
        h => (h, "hour"),
    };
    match locale {
        Locale::En if n == 1 => format!("1 {unit}"),
        Locale::En => format!("{n} {unit}s"),
        Locale::Ar => match unit {
            "minute" => MINUTES.count(n),
            "day" => DAYS.count(n),
            _ => HOURS.count(n),
        },
    }
}

pub(crate) fn verification(
    config: &IdentityConfig,
    user: &user::Model,
    token: &str,
) -> OutgoingEmail {
    let locale = locale_of(&user.locale);
    let url = link(config, "verify-email", token);
    let name = unlinkable(&user.first_name);
    let expires = lifetime(locale, config.verification_token_ttl);
    let (subject, blocks) = match locale {
        Locale::En => (
            format!("Confirm your email address for {PRODUCT}"),
            vec![
                Block::Paragraph(format!("Hello {name},")),
                Block::Paragraph("please confirm your email address by opening this link:".into()),
                Block::Link {
                    url,
                    label: "Confirm my email address".into(),
                },
                Block::Paragraph(format!(
                    "The link expires in {expires}. If you did not sign up for {PRODUCT}, ignore this email."
                )),
            ],
        ),
        Locale::Ar => (
            format!("أكّد عنوان بريدك الإلكتروني في {PRODUCT}"),
            vec![
                Block::Paragraph(format!("مرحبًا {name}،")),
                Block::Paragraph(format!(
                    "شكرًا لانضمامك إلى {PRODUCT}. لتأكيد عنوان بريدك الإلكتروني، افتح الرابط التالي:"
                )),
                Block::Link {
                    url,
                    label: "تأكيد البريد الإلكتروني".into(),
                },
                Block::Paragraph(format!(
                    "تنتهي صلاحية الرابط خلال {expires}. إذا لم يكن التسجيل منك، فتجاهل هذه الرسالة."
                )),
            ],
        ),
    };
    letter(locale, &user.email, subject, &blocks)
}

pub(crate) fn password_reset(
    config: &IdentityConfig,
    user: &user::Model,
    token: &str,
) -> OutgoingEmail {
    let locale = locale_of(&user.locale);
    let url = link(config, "reset-password", token);
    let name = unlinkable(&user.first_name);
    let expires = lifetime(locale, config.reset_token_ttl);
    let (subject, blocks) = match locale {
        Locale::En => (
            format!("Reset your {PRODUCT} password"),
            vec![
                Block::Paragraph(format!("Hello {name},")),
                Block::Paragraph(format!(
                    "someone asked to reset the password of your {PRODUCT} account. To choose a new password, open this link:"
                )),
                Block::Link {
                    url,
                    label: "Choose a new password".into(),
                },
                Block::Paragraph(format!(
                    "The link expires in {expires}. If it was not you, ignore this email: your password stays as it is."
                )),
            ],
        ),
        Locale::Ar => (
            format!("إعادة تعيين كلمة المرور في {PRODUCT}"),
            vec![
                Block::Paragraph(format!("مرحبًا {name}،")),
                Block::Paragraph(format!(
                    "وصلنا طلب لإعادة تعيين كلمة المرور لحسابك في {PRODUCT}. لاختيار كلمة مرور جديدة، افتح الرابط التالي:"
                )),
                Block::Link {
                    url,
                    label: "اختيار كلمة مرور جديدة".into(),
                },
                Block::Paragraph(format!(
                    "تنتهي صلاحية الرابط خلال {expires}. إذا لم تطلب ذلك، فتجاهل هذه الرسالة وستبقى كلمة المرور كما هي."
                )),
            ],
        ),
    };
    letter(locale, &user.email, subject, &blocks)
}

/// The invitation of `to` into the sender's organization, in `locale`.
pub(crate) fn invitation(
    config: &IdentityConfig,
    locale: Locale,
    to: &str,
    sender: &Sender,
    role: Role,
    token: &str,
) -> OutgoingEmail {
    let url = link(config, "accept-invite", token);
    let (inviter, organization) = (unlinkable(&sender.name), unlinkable(&sender.organization));
    let expires = lifetime(locale, config.invitation_ttl);
    let (subject, blocks) = match locale {
        Locale::En => (
            format!("{inviter} invited you to {organization} on {PRODUCT}"),
            vec![
                Block::Paragraph("Hello,".into()),
                Block::Paragraph(format!(
                    "{inviter} invited you to join {organization} on {PRODUCT} as {}. To accept, open this link and choose your password:",
                    role.as_str()
                )),
                Block::Link {
                    url,
                    label: "Accept the invitation".into(),
                },
                Block::Paragraph(format!("The invitation expires in {expires}.")),
            ],
        ),
        Locale::Ar => {
            let role = match role {
                Role::Admin => "مسؤول",
                Role::Member => "عضو",
            };
            (
                format!("دعوة من {inviter} للانضمام إلى {organization} في {PRODUCT}"),
                vec![
                    Block::Paragraph("مرحبًا،".into()),
                    Block::Paragraph(format!(
                        "تلقّيت دعوة من {inviter} للانضمام إلى {organization} في {PRODUCT} بصفة {role}. لقبول الدعوة، افتح الرابط التالي واختر كلمة المرور:"
                    )),
                    Block::Link {
                        url,
                        label: "قبول الدعوة".into(),
                    },
                    Block::Paragraph(format!("تنتهي صلاحية الدعوة خلال {expires}.")),
                ],
            )
        }
    };
    letter(locale, to, subject, &blocks)
}

#[cfg(test)]
#[path = "emails_tests.rs"]
mod tests;
