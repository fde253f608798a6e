//! Every request is observed by two layers.
//!
//! [`observe`], the outermost middleware, gives the request its id (see
//! `request_id`: taken from `x-request-id` or generated, available to error
//! bodies, echoed on the response) and its language (see `locale`: from
//! `Accept-Language`, for error bodies) and records Prometheus metrics per route
//! pattern and status. Every label comes from a bounded set: a method outside
//! the standard ones is `other`, a path no route matched is `unmatched`, the
//! status is the server's own.
//!
//! Inside it, tracing-actix-web's `TracingLogger` runs the handler and the
//! response body inside the span [`RequestSpan`] builds, which logs each
//! request's outcome. The crate has no metrics and always makes up its own
//! request id (it cannot take the client's), so those two stay here.

use super::{locale, request_id};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use std::rc::Rc;
use std::time::Instant;
use tracing::Span;
use tracing_actix_web::{RootSpanBuilder, TracingLogger};
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The tracing middleware, with this server's span and outcome log.
pub fn tracing() -> TracingLogger<RequestSpan> {
    TracingLogger::new()
}

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = request_id::from_header(req.headers().get(request_id::HEADER));
    let language = locale::of_headers(req.headers());
    let method_label = method_label(req.method());
    // Taken before the call: a request cut at its deadline comes back as an
    // error, without the request (see `request_deadline`). Matched once: the
    // span's builder reads it from the request.
    let route = route_of(&req);
    req.extensions_mut().insert(MatchedRoute(route.clone()));
    let started = Instant::now();
    let in_flight = InFlight::enter();
    // The inner services are called inside the scopes, so that the span's
    // builder sees the id too.
    let handled = locale::CURRENT.scope(language, async move { next.call(req).await });
    let result = request_id::CURRENT.scope(id.clone(), handled).await;
    drop(in_flight);

    let status = match &result {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    let labels = [
        ("method", method_label.to_owned()),
        ("route", route.to_string()),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    let mut response = result?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(request_id::HEADER), value);
    }
    Ok(response)
}

/// The span of one request (`request_id`, `method`, `route`: the pattern the
/// path matched, never the path itself, whose ids may be anyone's; `status`
/// once answered) and the log line of its outcome (`status`, `elapsed_ms`,
/// `path`; a warning for 5xx). With the tracing export on (`telemetry::otlp`)
/// the span is the exported server span, named `METHOD route`, and continues
/// the trace of a request's `traceparent`.
pub struct RequestSpan;

/// The route pattern the request's path matched (`unmatched` when none did),
/// as [`observe`] took it, kept in the request's extensions for the span.
struct MatchedRoute(Rc<str>);

fn route_of(req: &ServiceRequest) -> Rc<str> {
    req.match_pattern()
        .map_or_else(|| Rc::from("unmatched"), Rc::from)
}

/// When the span began, kept in the request's extensions for the outcome line.
struct Started(Instant);

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(req: &ServiceRequest) -> Span {
        req.extensions_mut().insert(Started(Instant::now()));
        let request_id = request_id::current().unwrap_or_default();
        let method = method_label(req.method());
        let route = req
            .extensions()
            .get::<MatchedRoute>()
            .map_or_else(|| route_of(req), |matched| matched.0.clone());
        if !crate::telemetry::otlp::exporting() {
            // Only the log lines' fields.
            return tracing::info_span!(
                "request",
                %request_id,
                method,
                %route,
                status = tracing::field::Empty,
            );
        }
        let span = tracing::info_span!(
            "request",
            %request_id,
            method,
            %route,
            status = tracing::field::Empty,
            otel.name = %format_args!("{method} {route}"),
            otel.kind = "server",
            otel.status_code = tracing::field::Empty,
        );
        if let Some(caller) = crate::telemetry::otlp::callers_context(req.headers()) {
            let _ = span.set_parent(caller);
        }
        span
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        let Ok(response) = outcome else {
            span.record("otel.status_code", "error");
            return;
        };
        let status = response.status().as_u16();
        span.record("status", status);
        let elapsed = response
            .request()
            .extensions()
            .get::<Started>()
            .map(|s| s.0.elapsed());
        let elapsed_ms = elapsed.unwrap_or_default().as_secs_f64() * 1000.0;
        let path = response.request().path();
        if status >= 500 {
            span.record("otel.status_code", "error");
            tracing::warn!(status, elapsed_ms, path, "request failed");
        } else {
            tracing::info!(status, elapsed_ms, path, "request");
        }
    }
}

/// The method as a metric label: the standard methods by name, any other
/// (methods are client-chosen tokens) as `other`.
fn method_label(method: &Method) -> &'static str {
    static STANDARD: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    STANDARD
        .iter()
        .find(|m| *m == method)
        .map_or("other", Method::as_str)
}

/// One request in `http_requests_in_flight`, until dropped: also when the
/// client goes away and the request's future is dropped unfinished.
struct InFlight(metrics::Gauge);

impl InFlight {
    fn enter() -> Self {
        let gauge = metrics::gauge!("http_requests_in_flight");
        gauge.increment(1.0);
        Self(gauge)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_share_one_label() {
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        let invented = Method::from_bytes(b"X-PROBE-1234").unwrap_or(Method::GET);
        assert_eq!(method_label(&invented), "other");
    }

    #[test]
    fn requests_dropped_unfinished_leave_the_in_flight_gauge() {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            let finished = InFlight::enter();
            let abandoned = InFlight::enter();
            assert!(handle.render().contains("http_requests_in_flight 2"));
            drop(finished);
            // A request whose client went away: its future is dropped unfinished.
            let request = async move {
                let _in_flight = abandoned;
                std::future::pending::<()>().await;
            };
            drop(request);
            assert!(handle.render().contains("http_requests_in_flight 0"));
        });
    }
}
