//! `create-superuser --email E [--first-name F] [--last-name L] [--locale ar|en]`,
//! with the password in `P2P_SUPERUSER_PASSWORD` (never on the command line,
//! where other users of the machine could read it). `--locale` is the
//! account's language (emails, notifications): a new account reads English
//! without it; an existing account keeps its own unless it is given.

use p2p_kernel::Locale;

pub async fn run(args: &[String]) -> anyhow::Result<()> {
    let mut email = None;
    let mut first = "Platform".to_owned();
    let mut last = "Operator".to_owned();
    let mut locale = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = || it.clone().next().cloned();
        match arg.as_str() {
            "--email" => email = value(),
            "--first-name" => first = value().unwrap_or(first),
            "--last-name" => last = value().unwrap_or(last),
            "--locale" => locale = Some(parse_locale(value().as_deref())?),
            other => anyhow::bail!("unknown option {other:?}"),
        }
        it.next();
    }
    let email = email.ok_or_else(|| anyhow::anyhow!("--email is required"))?;
    let password = std::env::var("P2P_SUPERUSER_PASSWORD")
        .map_err(|_| anyhow::anyhow!("set the password in P2P_SUPERUSER_PASSWORD"))?;
    let (_, services) = super::context::connect().await?;
    let user = services
        .identity
        .create_superuser(&email, &password, &first, &last, locale)
        .await
        .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
    println!("superuser {} ({})", user.email, user.id);
    Ok(())
}

/// The language `--locale` names: exactly `ar` or `en`.
fn parse_locale(value: Option<&str>) -> anyhow::Result<Locale> {
    Locale::ALL
        .into_iter()
        .find(|l| value == Some(l.as_str()))
        .ok_or_else(|| anyhow::anyhow!("--locale takes ar or en, not {value:?}"))
}

/// A domain error as an operator reads it: the detail and each field error.
pub fn describe(e: &p2p_kernel::DomainError) -> String {
    use p2p_kernel::ErrorCode;
    let mut text = format!("{}: {}", e.code(), e.public_detail());
    for field in e.field_errors() {
        text.push_str(&format!("\n  {}: {}", field.field, field.message));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::parse_locale;
    use p2p_kernel::Locale;

    #[test]
    fn locale_is_ar_or_en() {
        assert_eq!(parse_locale(Some("ar")).ok(), Some(Locale::Ar));
        assert_eq!(parse_locale(Some("en")).ok(), Some(Locale::En));
        for wrong in [Some("AR"), Some("ar-SA"), Some("fr"), Some(""), None] {
            assert!(parse_locale(wrong).is_err(), "{wrong:?}");
        }
    }
}
