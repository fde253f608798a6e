//! Logs (tracing), traces (OpenTelemetry, see [`otlp`]) and metrics (Prometheus).

pub mod otlp;
pub mod upkeep;

use crate::config::{LogFormat, OtlpSettings};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use opentelemetry_sdk::trace::SdkTracer;
use std::io::IsTerminal;
use std::sync::OnceLock;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn,mongodb=warn,actix_server=warn";

/// Installs the global tracing subscriber (once; later calls are no-ops).
pub fn init_tracing(format: LogFormat) {
    install(format, None);
}

/// [`init_tracing`], and with `otlp` the trace export too (see [`otlp`]):
/// then the export to flush when the server stops. Without `otlp` nothing of
/// OpenTelemetry is installed.
pub fn init_tracing_with_export(
    format: LogFormat,
    otlp: Option<&OtlpSettings>,
) -> anyhow::Result<Option<otlp::Export>> {
    let Some(settings) = otlp else {
        init_tracing(format);
        return Ok(None);
    };
    let (export, tracer) = otlp::Export::start(settings)?;
    if install(format, Some(tracer.clone())) {
        otlp::Export::observe_backend_calls(tracer);
    }
    tracing::info!(
        endpoint = %settings.endpoint.origin().ascii_serialization(),
        service_name = %settings.service_name,
        sample_ratio = settings.sample_ratio,
        "exporting traces over OTLP/HTTP"
    );
    Ok(Some(export))
}

/// The subscriber: the log lines, and the spans (only: log events stay in the
/// logs) to OpenTelemetry when given a tracer. False when one was installed
/// already.
fn install(format: LogFormat, tracer: Option<SdkTracer>) -> bool {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    // Colour codes only for a person at a terminal, never into files or collectors.
    let ansi = std::io::stdout().is_terminal();
    let logs = match format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_ansi(ansi)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer()
            .compact()
            .with_ansi(ansi)
            .boxed(),
    };
    let spans = tracer.map(|tracer| {
        tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_location(false)
            .with_threads(false)
            .with_target(false)
            .with_filter(filter_fn(|metadata| metadata.is_span()))
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(spans)
        .try_init()
        .is_ok()
}

/// The metrics recorder is process-wide by the design of the `metrics` facade:
/// it is installed once, and every application in the process renders it.
/// This is the one deliberate piece of global state.
static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Latency buckets in seconds: 1 ms to 10 s.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

pub fn metrics_handle() -> Option<PrometheusHandle> {
    RECORDER
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            describe();
            Some(handle)
        })
        .clone()
}

fn describe() {
    metrics::describe_counter!(
        "http_requests_total",
        "HTTP requests by method, route and status"
    );
    metrics::describe_histogram!(
        "http_request_duration_seconds",
        metrics::Unit::Seconds,
        "HTTP request latency by method, route and status"
    );
    metrics::describe_gauge!("http_requests_in_flight", "HTTP requests being handled");
    metrics::describe_counter!(
        "http_request_deadline_exceeded_total",
        "Requests answered 503 at their deadline (P2P_REQUEST_TIMEOUT_MS), their handler dropped"
    );
    metrics::describe_gauge!("websocket_connections", "Open WebSocket connections");
    for (gauge, help) in FOOTPRINT_GAUGES {
        metrics::describe_gauge!(*gauge, *help);
    }
    metrics::describe_counter!(
        "backend_errors_total",
        "Failed calls to a backend (database, mongodb, redis, s3, smtp, mail)"
    );
    metrics::describe_histogram!(
        "backend_call_duration_seconds",
        metrics::Unit::Seconds,
        "Latency of backend calls by backend and operation kind"
    );
    metrics::describe_counter!(
        "backend_call_errors_total",
        "Failed backend calls by backend and operation kind"
    );
    metrics::describe_gauge!(
        "backend_breaker_state",
        "Circuit breaker of a backend: 0 closed, 1 half-open, 2 open"
    );
    metrics::describe_gauge!(
        "websocket_queued_deliveries",
        "Deliveries waiting in WebSocket connections' send queues"
    );
    metrics::describe_histogram!(
        "outbox_delay_seconds",
        metrics::Unit::Seconds,
        "From an outbox item's recording to its being done (events applied, mail sent), by outbox"
    );
    metrics::describe_gauge!(
        "outbox_oldest_due_seconds",
        "Age of the oldest item due in an outbox at the worker's last pass (0: none due), by outbox"
    );
    metrics::describe_counter!(
        "event_outbox_parked_total",
        "Outbox events given up on after their last attempt (dead letters), by kind"
    );
}

/// The gauges of bounded in-memory structures (see `upkeep`), refreshed every few seconds.
const FOOTPRINT_GAUGES: &[(&str, &str)] = &[
    (
        "process_resident_memory_bytes",
        "Resident memory of the server process",
    ),
    (
        "cache_entries",
        "Entries of the in-process cache (P2P_CACHE_MAX_BYTES)",
    ),
    (
        "cache_bytes",
        "Bytes of the in-process cache (P2P_CACHE_MAX_BYTES)",
    ),
    (
        "rate_limit_keys",
        "Keys of the in-process rate limiter (P2P_RATE_LIMIT_MAX_KEYS)",
    ),
    (
        "pubsub_channels",
        "Channels of the in-process pub/sub with a subscriber",
    ),
    (
        "realtime_replay_channels",
        "Channels with replayable events (P2P_REPLAY_MAX_CHANNELS)",
    ),
    (
        "realtime_replay_events",
        "Replayable real-time events (P2P_REPLAY_MAX_EVENTS per channel)",
    ),
    (
        "realtime_replay_bytes",
        "Bytes of replayable real-time events (P2P_REPLAY_MAX_BYTES)",
    ),
    (
        "realtime_subscribed_channels",
        "Channels with a subscriber on this instance",
    ),
    (
        "realtime_subscriptions",
        "Channel subscriptions of this instance's sockets",
    ),
    (
        "search_index_queue_depth",
        "Events waiting for the search indexer (P2P_SEARCH_QUEUE_CAPACITY)",
    ),
    (
        "db_pool_connections",
        "Open database connections (P2P_DATABASE_MAX_CONNECTIONS)",
    ),
    ("db_pool_idle_connections", "Idle database connections"),
];
