//! The emails the identity domain sends, with links built from the public URL.
//! Names that users chose (people, organizations) go in through
//! [`unlinkable`]: plain text that no mail client turns into a link.

use crate::config::IdentityConfig;
use p2p_kernel::Role;
use p2p_kernel::ports::OutgoingEmail;
use p2p_kernel::text::unlinkable;
use std::time::Duration;

const PRODUCT: &str = "P2P Sandbox";

fn link(config: &IdentityConfig, path: &str, token: &str) -> String {
    format!("{}/{path}?token={token}", config.public_url)
}

fn lifetime(d: Duration) -> String {
    let hours = d.as_secs() / 3600;
    match hours {
        0 => format!("{} minutes", (d.as_secs() / 60).max(1)),
        1 => "1 hour".into(),
        h if h % 24 == 0 && h >= 48 => format!("{} days", h / 24),
        h => format!("{h} hours"),
    }
}

pub(crate) fn verification(
    config: &IdentityConfig,
    to: &str,
    first_name: &str,
    token: &str,
) -> OutgoingEmail {
    let url = link(config, "verify-email", token);
    let first_name = unlinkable(first_name);
    OutgoingEmail {
        to: to.to_owned(),
        subject: format!("Confirm your email address for {PRODUCT}"),
        text: format!(
            "Hello {first_name},\n\nplease confirm your email address by opening this link:\n\n{url}\n\nThe link expires in {}. If you did not sign up for {PRODUCT}, ignore this email.\n",
            lifetime(config.verification_token_ttl)
        ),
        html: None,
    }
}

pub(crate) fn password_reset(
    config: &IdentityConfig,
    to: &str,
    first_name: &str,
    token: &str,
) -> OutgoingEmail {
    let url = link(config, "reset-password", token);
    let first_name = unlinkable(first_name);
    OutgoingEmail {
        to: to.to_owned(),
        subject: format!("Reset your {PRODUCT} password"),
        text: format!(
            "Hello {first_name},\n\nsomeone asked to reset the password of your {PRODUCT} account. To choose a new password, open this link:\n\n{url}\n\nThe link expires in {}. If it was not you, ignore this email: your password stays as it is.\n",
            lifetime(config.reset_token_ttl)
        ),
        html: None,
    }
}

pub(crate) fn invitation(
    config: &IdentityConfig,
    to: &str,
    inviter: &str,
    organization: &str,
    role: Role,
    token: &str,
) -> OutgoingEmail {
    let url = link(config, "accept-invite", token);
    let (inviter, organization) = (unlinkable(inviter), unlinkable(organization));
    OutgoingEmail {
        to: to.to_owned(),
        subject: format!("{inviter} invited you to {organization} on {PRODUCT}"),
        text: format!(
            "Hello,\n\n{inviter} invited you to join {organization} on {PRODUCT} as {}. To accept, open this link and choose your password:\n\n{url}\n\nThe invitation expires in {}.\n",
            role.as_str(),
            lifetime(config.invitation_ttl)
        ),
        html: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_lifetimes() {
        let config = IdentityConfig::new(vec![0u8; 32], "https://p2p.example/");
        let e = verification(&config, "a@b.example", "Ann", "TOKEN");
        assert!(
            e.text
                .contains("https://p2p.example/verify-email?token=TOKEN")
        );
        assert!(e.text.contains("2 days"));
        assert_eq!(lifetime(Duration::from_secs(3600)), "1 hour");
        assert_eq!(lifetime(Duration::from_secs(7 * 24 * 3600)), "7 days");
        assert_eq!(lifetime(Duration::from_secs(900)), "15 minutes");
    }

    #[test]
    fn chosen_names_never_become_links() {
        let config = IdentityConfig::new(vec![0u8; 32], "https://p2p.example/");
        let e = invitation(
            &config,
            "x@y.example",
            "Visit evil.example",
            "Go to http://evil.example/login",
            Role::Admin,
            "TOKEN",
        );
        for text in [&e.subject, &e.text] {
            assert!(!text.contains("evil.example"), "{text}");
            assert!(text.contains("http[:]//evil[.]example/login"), "{text}");
        }
        assert!(
            e.text
                .contains("https://p2p.example/accept-invite?token=TOKEN")
        );
        let e = invitation(
            &config,
            "x@y.example",
            "نورة الحربي",
            "مصنع الحربي للصلب",
            Role::Member,
            "TOKEN",
        );
        assert!(
            e.subject
                .contains("نورة الحربي invited you to مصنع الحربي للصلب")
        );
        for e in [
            verification(&config, "a@b.example", "www.evil.example", "T"),
            password_reset(&config, "a@b.example", "www.evil.example", "T"),
        ] {
            assert!(e.text.contains("Hello www[.]evil[.]example,"), "{}", e.text);
        }
    }
}
