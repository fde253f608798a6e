//! The server binary's commands: `serve` (default), `migrate`, `openapi`,
//! `healthcheck`, `backup`, `restore`. Operators run the same binary they deploy.

mod backup;
mod context;
mod migrate;
mod reindex;
mod seed;
mod superuser;

use p2p_server::config;
use std::process::ExitCode;

const USAGE: &str = "usage: p2p-server [serve | migrate <up|down|status|fresh> | create-superuser --email E [--first-name F --last-name L] [--locale ar|en] (password in P2P_SUPERUSER_PASSWORD) | seed | reindex | backup <DIR> | restore <DIR> | openapi [PATH] | healthcheck | help]";

pub async fn run(args: Vec<String>) -> ExitCode {
    let command = args.first().map(String::as_str).unwrap_or("serve");
    let rest = args.get(1..).unwrap_or_default();
    let outcome = match command {
        "serve" => serve().await,
        "migrate" => migrate::run(rest).await,
        "openapi" => openapi(rest.first().map(String::as_str)),
        "create-superuser" => superuser::run(rest).await,
        "seed" => seed::run().await,
        "reindex" => reindex::run().await,
        "backup" => backup::backup(rest).await,
        "restore" => backup::restore(rest).await,
        "healthcheck" => healthcheck().await,
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(anyhow::anyhow!("unknown command {other:?}\n{USAGE}")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_settings() -> anyhow::Result<p2p_server::Settings> {
    let settings = config::load()?;
    p2p_server::telemetry::init_tracing(settings.log_format);
    Ok(settings)
}

async fn serve() -> anyhow::Result<()> {
    let settings = config::load()?;
    let export = p2p_server::telemetry::init_tracing_with_export(
        settings.log_format,
        settings.otlp.as_ref(),
    )?;
    tracing::info!(
        environment = ?settings.environment,
        database = ?settings.database_backend,
        mongodb = settings.mongo.is_some(),
        redis = settings.redis.is_some(),
        s3 = settings.s3.is_some(),
        smtp = settings.smtp.is_some(),
        "starting"
    );
    let served = match p2p_server::Application::build(settings).await {
        Ok(app) => app.run_until_stopped().await.map_err(anyhow::Error::from),
        Err(e) => Err(e),
    };
    if let Some(export) = export {
        export.shutdown().await;
    }
    served
}

fn openapi(path: Option<&str>) -> anyhow::Result<()> {
    let doc = p2p_server::routes::openapi_document().to_pretty_json()?;
    match path {
        Some(path) => {
            std::fs::write(path, doc + "\n")?;
            eprintln!("wrote {path}");
        }
        None => println!("{doc}"),
    }
    Ok(())
}

/// Exits 0 when `/health/live` answers 200 (for container health checks).
async fn healthcheck() -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let settings = config::load()?;
    let host = if settings.host == "0.0.0.0" {
        "127.0.0.1"
    } else {
        settings.host.as_str()
    };
    let mut stream = tokio::net::TcpStream::connect((host, settings.port)).await?;
    stream
        .write_all(b"GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).await?;
    if head.ends_with(b"200") {
        Ok(())
    } else {
        Err(anyhow::anyhow!(
            "unhealthy: {}",
            String::from_utf8_lossy(&head)
        ))
    }
}
