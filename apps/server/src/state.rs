//! What handlers reach through `web::Data<AppState>`: built once at startup.

use crate::backends::Backends;
use crate::config::Settings;
use crate::services::Services;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use tokio::sync::watch;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub backends: Backends,
    pub services: Services,
    pub metrics: Option<PrometheusHandle>,
    /// The realtime hub and the WebSocket settings (`routes::ws`).
    pub realtime: p2p_realtime::Realtime,
    /// Turns true when the server starts shutting down (WebSockets close on it).
    pub shutdown: watch::Receiver<bool>,
    /// Turns true on SIGTERM, `shutdown_drain` before `shutdown`: readiness
    /// then answers 503 while requests are still served.
    pub draining: watch::Receiver<bool>,
}
