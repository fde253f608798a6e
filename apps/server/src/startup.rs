//! `Application::build` binds the listener, connects the backends, runs
//! migrations and assembles the HTTP server; `main` and the tests share it.

use crate::backends::Backends;
use crate::backends::data_dir::DataDirLock;
use crate::backends::retry::RetryPolicy;
use crate::config::{DatabaseBackend, Settings};
use crate::http::allowed_methods::AllowedMethods;
use crate::http::body_deadline::body_deadline;
use crate::http::extract;
use crate::http::metrics_access::MetricsAccess;
use crate::http::request_deadline::request_deadline;
use crate::http::security_headers::security_headers;
use crate::routes;
use crate::services::{OutboxWakers, Services};
use crate::state::AppState;
use actix_cors::Cors;
use actix_web::dev::{Server, ServerHandle};
use actix_web::http::{Method, header};
use actix_web::middleware::{Compress, from_fn};
use actix_web::{App, HttpServer, web};
use p2p_kernel::outbox::events::{EventOutbox, EventOutboxConfig};
use p2p_kernel::outbox::{OutboxConfig, OutboxWorker};
use p2p_kernel::round_trips::RoundTrips;
use p2p_migration::{Migrator, MigratorTrait};
use std::net::TcpListener;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use utoipa_actix_web::{AppExt, scope};

/// How often expired files (unattached uploads, files of deleted content) are deleted.
const FILE_SWEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);
/// How often ended sessions, used refresh tokens and expired one-time tokens
/// and invitations are purged, and how long ended ones are kept first.
const IDENTITY_PURGE_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);
const IDENTITY_PURGE_KEEP: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);
/// How long a client may take to send a request's head (line and headers);
/// its body is timed by `http::body_deadline`.
const HEAD_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// A built, bound, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    /// The listener serving only `/metrics` (`P2P_METRICS_ADDR`).
    metrics_server: Option<Server>,
    state: AppState,
    shutdown_tx: watch::Sender<bool>,
    draining_tx: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
    /// Held while serving the embedded default (see [`DataDirLock`]).
    _data_dir_lock: Option<DataDirLock>,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, RetryPolicy::default()).await
    }

    pub async fn build_with(mut settings: Settings, retry: RetryPolicy) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.bind_address())
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", settings.bind_address()))?;
        let port = listener.local_addr()?.port();
        settings.bound_to(port);
        let metrics_listener = match settings.metrics.listen {
            Some(address) => {
                let listener = TcpListener::bind(address)
                    .map_err(|e| anyhow::anyhow!("cannot listen on {address} for metrics: {e}"))?;
                settings.metrics.listen = Some(listener.local_addr()?);
                Some(listener)
            }
            None => None,
        };
        std::fs::create_dir_all(&settings.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot create data directory {}: {e}",
                settings.data_dir.display()
            )
        })?;
        let data_dir_lock = match settings.database_backend {
            DatabaseBackend::Sqlite => Some(DataDirLock::acquire(&settings.data_dir)?),
            DatabaseBackend::Postgres => None,
        };
        settings.resolve_jwt_secret()?;

        let backends = Backends::connect(&settings, retry).await?;
        if settings.run_migrations {
            Migrator::up(&backends.db, None)
                .await
                .map_err(|e| anyhow::anyhow!("database migration failed: {e}"))?;
        }

        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let (draining_tx, draining_rx) = watch::channel(false);
        let outbox = OutboxWorker::new(
            backends.db.clone(),
            backends.mailer.clone(),
            OutboxConfig::default(),
        );
        let hub = routes::ws::start_hub(&backends, &settings.bounds).await?;
        let event_outbox_config = EventOutboxConfig {
            retention: settings.event_outbox_retention,
            ..EventOutboxConfig::default()
        };
        let event_outbox = EventOutbox::new(backends.db.clone(), event_outbox_config);
        let wakers = OutboxWakers {
            mail: outbox.waker(),
            events: event_outbox.waker(),
        };
        let services = Services::build(&settings, &backends, wakers, Arc::new(hub.clone())).await?;
        let event_outbox = services
            .outbox_handlers
            .iter()
            .fold(event_outbox, |outbox, (kind, handler)| {
                outbox.with_handler(kind, handler.clone())
            })
            .with_retained(services.outbox_retained.clone());
        let mut footprints = backends.footprints.clone();
        footprints.push(Arc::new(hub.clone()));
        footprints.push(Arc::new(services.discovery.indexer.clone()));
        let realtime = routes::ws::realtime(hub, &services, &settings.websocket);
        let mut workers = vec![RoundTrips::spawn_worker(outbox.run(shutdown_rx.clone()))];
        if settings.run_event_outbox {
            if settings.database_backend == DatabaseBackend::Sqlite {
                // One process per SQLite database (the data directory's
                // lock): claims left are those of a process that died.
                event_outbox
                    .release_claims()
                    .await
                    .map_err(|e| anyhow::anyhow!("event outbox: {e}"))?;
            }
            workers.push(RoundTrips::spawn_worker(
                event_outbox.run(shutdown_rx.clone()),
            ));
        }
        workers.extend(services.discovery.start_workers(&shutdown_rx));
        workers.push(RoundTrips::spawn_worker(crate::telemetry::upkeep::run(
            footprints,
            shutdown_rx.clone(),
        )));
        let sweeper = p2p_storage::FileSweeper::new(services.files.clone(), FILE_SWEEP_INTERVAL);
        workers.push(RoundTrips::spawn_worker(sweeper.run(shutdown_rx.clone())));
        let purger = p2p_identity::ExpiredRowsPurger::new(
            services.identity.clone(),
            IDENTITY_PURGE_INTERVAL,
            IDENTITY_PURGE_KEEP,
        );
        workers.push(RoundTrips::spawn_worker(purger.run(shutdown_rx.clone())));
        workers.push(RoundTrips::spawn_worker(
            services
                .notifications
                .digest_worker()
                .run(shutdown_rx.clone()),
        ));

        let state = AppState {
            settings: Arc::new(settings),
            backends,
            services,
            metrics: crate::telemetry::metrics_handle(),
            realtime,
            shutdown: shutdown_rx,
            draining: draining_rx,
        };
        // Computed once from the same route functions the app registers, so
        // the document (and the `Allow` of 405s read from it) cannot drift.
        let openapi = routes::openapi_document();
        let allowed = web::Data::new(AllowedMethods::from_document(&openapi));
        let server = http_server(state.clone(), listener, openapi, allowed.clone())?;
        let metrics_server = metrics_listener
            .map(|listener| metrics_server(state.clone(), listener, allowed))
            .transpose()?;
        tracing::info!(port, metrics = ?state.settings.metrics.listen, "listening");
        Ok(Self {
            port,
            server,
            metrics_server,
            state,
            shutdown_tx,
            draining_tx,
            workers,
            _data_dir_lock: data_dir_lock,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// A handle to stop the server (gracefully with `stop(true)`).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped through its handle, or until SIGINT or
    /// SIGTERM: then WebSockets are told to close, in-flight requests drain
    /// (up to the shutdown timeout) and background workers finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let handle = self.server.handle();
        let shutdown_tx = self.shutdown_tx.clone();
        let draining_tx = self.draining_tx.clone();
        let drain = self.state.settings.shutdown_drain;
        let signals = tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!(drain_secs = drain.as_secs(), "shutdown requested: draining");
            let _ = draining_tx.send(true);
            tokio::time::sleep(drain).await;
            tracing::info!("closing the listener and the WebSockets");
            let _ = shutdown_tx.send(true);
            handle.stop(true).await;
        });
        let metrics = self
            .metrics_server
            .map(|server| (server.handle(), tokio::spawn(server)));
        let result = self.server.await;
        signals.abort();
        if let Some((handle, server)) = metrics {
            handle.stop(true).await;
            let _ = server.await;
        }
        let _ = self.shutdown_tx.send(true);
        for worker in self.workers {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), worker).await;
        }
        tracing::info!("stopped");
        result
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn cors(settings: &Settings) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::HeaderName::from_static("x-csrf-token"),
            header::HeaderName::from_static("x-request-id"),
            // The SuperTokens SDKs' headers (`routes::fdi`).
            header::HeaderName::from_static("rid"),
            header::HeaderName::from_static("fdi-version"),
            header::HeaderName::from_static("anti-csrf"),
            header::HeaderName::from_static("st-auth-mode"),
        ])
        .expose_headers([
            header::HeaderName::from_static("x-request-id"),
            header::RETRY_AFTER,
            header::HeaderName::from_static("front-token"),
            header::HeaderName::from_static("st-access-token"),
            header::HeaderName::from_static("st-refresh-token"),
            header::HeaderName::from_static("anti-csrf"),
        ])
        .supports_credentials()
        .max_age(3600);
    for origin in &settings.cors_origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

fn http_server(
    state: AppState,
    listener: TcpListener,
    openapi: utoipa::openapi::OpenApi,
    allowed: web::Data<AllowedMethods>,
) -> anyhow::Result<Server> {
    let settings = state.settings.clone();
    let data = web::Data::new(state);
    let max_body = settings.max_body_bytes;
    let body_read = settings.body_read;
    let work_limit = settings.deadlines.request;
    let hsts = settings.environment == crate::config::Environment::Production;
    let metrics_access = web::Data::new(MetricsAccess::public(&settings));
    let app_settings = settings.clone();
    let mut server = HttpServer::new(move || {
        // Runs once on each worker thread, before it serves anything.
        routes::ws::serve_sockets_on_this_thread();
        let settings = &app_settings;
        App::new()
            // Registered before the `/api/v1` scope, which would otherwise
            // claim `/api/v1/openapi.json`.
            .service(routes::docs::swagger(openapi.clone()))
            .service(routes::docs::docs_redirect)
            .into_utoipa_app()
            .app_data(data.clone())
            .app_data(metrics_access.clone())
            .app_data(allowed.clone())
            .app_data(web::PayloadConfig::new(max_body))
            .app_data(
                web::JsonConfig::default()
                    .limit(max_body)
                    .error_handler(extract::json_error),
            )
            .app_data(web::QueryConfig::default().error_handler(extract::query_error))
            .app_data(web::PathConfig::default().error_handler(extract::path_error))
            .configure(routes::system)
            .service(scope::scope("/api/v1").configure(routes::api_v1))
            .into_app()
            .service(routes::fdi::scope())
            .default_service(web::to(routes::fallback::not_found_or_method_not_allowed))
            .wrap(from_fn(move |req, next| {
                body_deadline(body_read, req, next)
            }))
            .wrap(from_fn(move |req, next| {
                request_deadline(work_limit, req, next)
            }))
            .wrap(cors(settings))
            .wrap(Compress::default())
            .wrap(from_fn(move |req, next| security_headers(hsts, req, next)))
            .wrap(crate::http::observe::tracing())
            .wrap(from_fn(crate::http::observe::observe))
    })
    .client_request_timeout(HEAD_READ_TIMEOUT)
    // Small writes (WebSocket events, short responses) go out at once
    // instead of waiting for the peer's acknowledgement of the previous one.
    .tcp_nodelay(true)
    .on_connect(drop_unacknowledged_after(settings.unacked_timeout))
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(settings.shutdown_timeout.as_secs());
    if let Some(workers) = settings.workers {
        server = server.workers(workers);
    }
    Ok(server.run())
}

/// The dedicated metrics listener: `/metrics` (behind the token when one is
/// configured) and 404 for anything else, on one worker.
fn metrics_server(
    state: AppState,
    listener: TcpListener,
    allowed: web::Data<AllowedMethods>,
) -> anyhow::Result<Server> {
    let access = web::Data::new(MetricsAccess::dedicated(&state.settings));
    let shutdown_timeout = state.settings.shutdown_timeout.as_secs();
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(access.clone())
            .app_data(allowed.clone())
            .service(routes::health::metrics_text)
            .default_service(web::to(routes::fallback::not_found_or_method_not_allowed))
            .wrap(crate::http::observe::tracing())
            .wrap(from_fn(crate::http::observe::observe))
    })
    .client_request_timeout(HEAD_READ_TIMEOUT)
    .workers(1)
    .listen(listener)?
    .disable_signals()
    .shutdown_timeout(shutdown_timeout);
    Ok(server.run())
}

/// Sets `TCP_USER_TIMEOUT` on each accepted connection: the kernel drops a
/// connection whose sent data stays unacknowledged for `timeout`, a peer
/// that vanished or one that stopped reading (its zero window is probed, and
/// the probes count). That is how a WebSocket subscriber that never reads
/// again gives its socket back: actix stops polling a response body whose
/// writes cannot go out, so the socket loop cannot close it itself.
fn drop_unacknowledged_after(
    timeout: std::time::Duration,
) -> impl Fn(&dyn std::any::Any, &mut actix_web::dev::Extensions) + Send + Sync + 'static {
    move |connection, _| {
        let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() else {
            return;
        };
        if let Err(error) = socket2::SockRef::from(stream).set_tcp_user_timeout(Some(timeout)) {
            tracing::warn!(%error, "cannot set TCP_USER_TIMEOUT on a connection");
        }
    }
}
