//! Public email providers (gmail.com, outlook.com, yahoo.com, the Gulf's
//! internet providers…): an address there says nothing about the company, so
//! it never claims an organization's domain. The lists are data files in
//! `data/` (see its README for their source, licence and update), compiled in.

use std::collections::HashSet;
use std::sync::LazyLock;

/// Maintained upstream list (npm `free-email-domains`).
const UPSTREAM: &str = include_str!("../data/public-email-domains.txt");
/// Gulf providers missing upstream.
const GULF: &str = include_str!("../data/public-email-domains.gulf.txt");

/// Immutable data parsed once from the two lists above.
static DOMAINS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    UPSTREAM
        .lines()
        .chain(GULF.lines())
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
});

/// Whether `domain` (any case, a trailing dot allowed) is a public email
/// provider's: its addresses never claim an organization's domain.
pub fn is_public_email_domain(domain: &str) -> bool {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    DOMAINS.contains(domain.as_str())
}

#[cfg(test)]
mod tests {
    use super::is_public_email_domain;

    #[test]
    fn the_big_providers_and_the_gulfs_are_public() {
        for domain in [
            "gmail.com",
            "googlemail.com",
            "outlook.com",
            "hotmail.com",
            "live.com",
            "msn.com",
            "yahoo.com",
            "icloud.com",
            "me.com",
            "aol.com",
            "proton.me",
            "protonmail.com",
            "gmx.com",
            "yandex.com",
            "mail.ru",
            "zoho.com",
            "qq.com",
            "163.com",
            "outlook.sa",
            "yahoo.ae",
            "maktoob.com",
            "emirates.net.ae",
            "batelco.com.bh",
            "GMAIL.COM",
            "gmail.com.",
        ] {
            assert!(is_public_email_domain(domain), "{domain}");
        }
    }

    #[test]
    fn company_domains_are_not() {
        for domain in ["aramco.com", "acme.example", "sabic.com", "example.sa", ""] {
            assert!(!is_public_email_domain(domain), "{domain}");
        }
    }
}
