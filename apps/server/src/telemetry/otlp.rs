//! OpenTelemetry tracing export over OTLP/HTTP (protobuf), when
//! `P2P_OTLP_ENDPOINT` is set (see `config::OtlpSettings`); without it none
//! of this is installed.
//!
//! What is exported:
//! - one server span per HTTP request: the request span of `http::observe`
//!   (method, route pattern, status, request id), continuing the caller's
//!   trace when the request brings a W3C `traceparent`;
//! - one client span per backend call made inside it (`backend`, `op`, an
//!   error status when the call failed), from the kernel's call observer
//!   (`p2p_kernel::round_trips`), which is told of each call when it ended:
//!   the span is started `elapsed` before that, so it shows where the call
//!   really ran. Calls made outside any request (the background workers)
//!   are not exported.
//!
//! Log events are not exported: only spans, whose attributes come from
//! bounded sets (route patterns, never raw paths; operation kinds, never
//! statements or keys).
//!
//! Spans are batched on the tokio runtime and posted to the collector every
//! few seconds; [`Export::shutdown`] flushes what is left when the server stops.

use crate::config::OtlpSettings;
use actix_web::http::header::HeaderMap;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{
    Span as _, SpanKind, Status, TraceContextExt, Tracer as _, TracerProvider as _,
};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::runtime::Tokio;
use opentelemetry_sdk::trace::span_processor_with_async_runtime::BatchSpanProcessor;
use opentelemetry_sdk::trace::{Sampler, SdkTracer, SdkTracerProvider};
use p2p_kernel::round_trips::{BackendCall, set_call_observer};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// How long one export may take (the collector's answer included).
const EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// The running export: the tracer the subscriber's layer uses, and the
/// provider to flush at shutdown.
pub struct Export {
    provider: SdkTracerProvider,
}

impl Export {
    /// Builds the exporter and its batch processor (on the current tokio
    /// runtime, which must outlive the export).
    pub fn start(settings: &OtlpSettings) -> anyhow::Result<(Self, SdkTracer)> {
        let client = reqwest::Client::builder().timeout(EXPORT_TIMEOUT).build()?;
        let exporter = SpanExporter::builder()
            .with_http()
            .with_http_client(client)
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(settings.endpoint.as_str())
            .with_timeout(EXPORT_TIMEOUT)
            .build()?;
        let processor = BatchSpanProcessor::builder(exporter, Tokio).build();
        let sampler =
            Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(settings.sample_ratio)));
        let resource = Resource::builder_empty()
            .with_service_name(settings.service_name.clone())
            .build();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor)
            .with_sampler(sampler)
            .with_resource(resource)
            .build();
        let tracer = provider.tracer("p2p-server");
        Ok((Self { provider }, tracer))
    }

    /// Exports each backend call made inside a request as a child span of
    /// the request's, and makes requests continue their callers' traces
    /// (see the module's documentation).
    pub fn observe_backend_calls(tracer: SdkTracer) {
        set_call_observer(Box::new(move |call| backend_span(&tracer, call)));
        let _ = PROPAGATOR.set(TraceContextPropagator::new());
    }

    /// Exports the spans still waiting and stops the exporter (waiting at
    /// most [`EXPORT_TIMEOUT`] for a collector that does not answer).
    pub async fn shutdown(self) {
        let provider = self.provider;
        // The processor's shutdown blocks until its task on the runtime has
        // flushed: off the runtime's threads.
        let flushed = tokio::task::spawn_blocking(move || provider.shutdown()).await;
        match flushed {
            Ok(Ok(())) => tracing::info!("traces flushed"),
            Ok(Err(e)) => tracing::warn!(error = %e, "flushing traces failed"),
            Err(e) => tracing::warn!(error = %e, "flushing traces failed"),
        }
    }
}

/// One backend call as a client span under the current request's span, from
/// `elapsed` ago to now.
fn backend_span(tracer: &SdkTracer, call: &BackendCall) {
    let parent = tracing::Span::current().context();
    if !parent.span().span_context().is_valid() {
        return;
    }
    let end = SystemTime::now();
    let start = end.checked_sub(call.elapsed).unwrap_or(end);
    let mut span = tracer
        .span_builder(format!("{} {}", call.backend, call.op))
        .with_kind(SpanKind::Client)
        .with_start_time(start)
        .with_attributes([
            KeyValue::new("backend", call.backend),
            KeyValue::new("op", call.op),
            KeyValue::new("error", call.failed),
        ])
        .start_with_context(tracer, &parent);
    if call.failed {
        span.set_status(Status::error(format!("{} call failed", call.backend)));
    }
    span.end_with_timestamp(end);
}

/// Set once the export runs: requests then continue their caller's trace.
static PROPAGATOR: OnceLock<TraceContextPropagator> = OnceLock::new();

/// Whether spans are being exported (the request span then carries the
/// `otel.*` fields that name it and give its kind and status).
pub fn exporting() -> bool {
    PROPAGATOR.get().is_some()
}

/// The caller's span context from a request's W3C `traceparent` (and
/// `tracestate`), when the export runs and the header is valid.
pub fn callers_context(headers: &HeaderMap) -> Option<Context> {
    let propagator = PROPAGATOR.get()?;
    let context = propagator.extract(&Headers(headers));
    context.span().span_context().is_valid().then_some(context)
}

struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key)?.to_str().ok()
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|name| name.as_str()).collect()
    }
}
