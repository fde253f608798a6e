//! What handlers reach through `web::Data<AppState>`: built once at startup.

use crate::backends::Backends;
use crate::config::Settings;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use tokio::sync::watch;

#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub backends: Backends,
    pub metrics: Option<PrometheusHandle>,
    /// Turns true when the server starts shutting down (WebSockets close on it).
    pub shutdown: watch::Receiver<bool>,
}
