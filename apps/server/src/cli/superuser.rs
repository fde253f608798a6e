//! `create-superuser --email E [--first-name F] [--last-name L]`, with the
//! password in `P2P_SUPERUSER_PASSWORD` (never on the command line, where
//! other users of the machine could read it).

pub async fn run(args: &[String]) -> anyhow::Result<()> {
    let mut email = None;
    let mut first = "Platform".to_owned();
    let mut last = "Operator".to_owned();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = || it.clone().next().cloned();
        match arg.as_str() {
            "--email" => email = value(),
            "--first-name" => first = value().unwrap_or(first),
            "--last-name" => last = value().unwrap_or(last),
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
        .create_superuser(&email, &password, &first, &last)
        .await
        .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
    println!("superuser {} ({})", user.email, user.id);
    Ok(())
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
