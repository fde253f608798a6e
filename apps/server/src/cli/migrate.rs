use p2p_migration::{Migrator, MigratorTrait};
use p2p_server::backends::{database, retry::RetryPolicy};

pub async fn run(args: &[String]) -> anyhow::Result<()> {
    let settings = p2p_server::config::load()?;
    p2p_server::telemetry::init_tracing(settings.log_format);
    std::fs::create_dir_all(&settings.data_dir)?;
    let db = database::connect(&settings, RetryPolicy::default()).await?;
    match args.first().map(String::as_str).unwrap_or("up") {
        "up" => Migrator::up(&db, None).await?,
        "down" => Migrator::down(&db, Some(1)).await?,
        "fresh" => Migrator::fresh(&db).await?,
        "status" => {
            for migration in Migrator::get_migration_with_status(&db).await? {
                println!("{:?}\t{}", migration.status(), migration.name());
            }
        }
        other => anyhow::bail!("unknown migrate command {other:?}: use up, down, status or fresh"),
    }
    Ok(())
}
