//! Liveness, readiness and metrics.

use crate::http::error::Problem;
use crate::http::metrics_access::MetricsReader;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use p2p_kernel::ports::HealthProbe;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use utoipa::ToSchema;

/// How long one backend may take to answer a readiness check.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Serialize, ToSchema)]
pub struct LiveStatus {
    /// Always `ok` while the process runs.
    status: &'static str,
}

/// The state of one backend.
#[derive(Serialize, ToSchema)]
pub struct BackendStatus {
    /// `up` or `down`.
    status: &'static str,
    latency_ms: f64,
    /// Why it is down: `timeout` or `unreachable` (details are in the server log).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

#[derive(Serialize, ToSchema)]
pub struct ReadyStatus {
    /// `ready` when every configured backend answers, `unavailable` when one
    /// does not, `draining` while the server shuts down (no checks then).
    status: &'static str,
    checks: BTreeMap<&'static str, BackendStatus>,
}

/// The process is running.
#[utoipa::path(tag = "health", responses((status = 200, body = LiveStatus)))]
#[get("/health/live")]
pub async fn live() -> web::Json<LiveStatus> {
    web::Json(LiveStatus { status: "ok" })
}

/// Every configured backend answers (200), or which ones do not (503); 503
/// `draining` from SIGTERM on (`P2P_SHUTDOWN_DRAIN_SECS`), while requests
/// are still served, so a load balancer moves traffic away first.
#[utoipa::path(tag = "health", responses(
    (status = 200, body = ReadyStatus),
    (status = 503, body = ReadyStatus, description = "a backend is down, or the server is draining before it stops"),
))]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    if *state.draining.borrow() {
        return HttpResponse::ServiceUnavailable().json(ReadyStatus {
            status: "draining",
            checks: Default::default(),
        });
    }
    let checks = futures_util::future::join_all(state.backends.probes.iter().map(check)).await;
    let all_up = checks.iter().all(|(_, s)| s.error.is_none());
    let body = ReadyStatus {
        status: if all_up { "ready" } else { "unavailable" },
        checks: checks.into_iter().collect(),
    };
    if all_up {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

async fn check(probe: &Arc<dyn HealthProbe>) -> (&'static str, BackendStatus) {
    let started = Instant::now();
    let outcome = tokio::time::timeout(PROBE_TIMEOUT, probe.check()).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let error = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(e)) => {
            tracing::warn!(backend = probe.name(), error = %e, "readiness check failed");
            Some("unreachable")
        }
        Err(_) => {
            tracing::warn!(backend = probe.name(), "readiness check timed out");
            Some("timeout")
        }
    };
    if error.is_some() {
        metrics::counter!("backend_errors_total", "backend" => probe.name()).increment(1);
    }
    (
        probe.name(),
        BackendStatus {
            status: if error.is_none() { "up" } else { "down" },
            latency_ms: (latency_ms * 100.0).round() / 100.0,
            error,
        },
    )
}

/// Prometheus metrics in the text exposition format (version 0.0.4).
///
/// Served on the main listener and, when `P2P_METRICS_ADDR` is set, on that
/// dedicated listener, which answers nothing else (404). Open in development.
/// In production only on the dedicated listener and/or with the
/// `P2P_METRICS_TOKEN` bearer token; with neither, 404.
#[utoipa::path(tag = "health", responses(
    (status = 200, content_type = "text/plain; version=0.0.4", body = String,
        description = "`# HELP`, `# TYPE` and sample lines (`name{label=\"value\"} number`), one metric family after another",
        example = "# TYPE http_requests_total counter\nhttp_requests_total{method=\"GET\",route=\"/health/live\",status=\"200\"} 3\n"),
    (status = 401, body = Problem,
        description = "a metrics token is configured: send it as `Authorization: Bearer <token>`"),
    (status = 404, body = Problem, description = "metrics are not served on this listener"),
))]
#[get("/metrics")]
pub async fn metrics_text(_reader: MetricsReader, state: web::Data<AppState>) -> HttpResponse {
    let body = state
        .metrics
        .as_ref()
        .map(|h| h.render())
        .unwrap_or_default();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(body)
}
