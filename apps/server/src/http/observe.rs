//! One middleware observes every request: assigns the request id, runs the
//! handler inside a tracing span and the request-id scope, logs the outcome,
//! and records Prometheus metrics per route pattern and status.

use super::request_id;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use std::time::Instant;
use tracing::Instrument;

pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = request_id::from_header(req.headers().get(request_id::HEADER));
    let method = req.method().as_str().to_owned();
    let path = req.path().to_owned();
    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    let started = Instant::now();
    let in_flight = metrics::gauge!("http_requests_in_flight");
    in_flight.increment(1.0);

    let result = request_id::CURRENT
        .scope(id.clone(), next.call(req).instrument(span.clone()))
        .await;
    in_flight.decrement(1.0);

    let mut response = result?;
    let status = response.status().as_u16();
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let elapsed = started.elapsed();
    let labels = [
        ("method", method),
        ("route", route),
        ("status", status.to_string()),
    ];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
    span.in_scope(|| {
        let ms = elapsed.as_secs_f64() * 1000.0;
        if status >= 500 {
            tracing::warn!(status, elapsed_ms = ms, "request failed");
        } else {
            tracing::info!(status, elapsed_ms = ms, "request");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(request_id::HEADER), value);
    }
    Ok(response)
}
