//! Every request's own work has a deadline (`P2P_REQUEST_TIMEOUT_MS`): past
//! it, the request is answered 503 `service_unavailable` with `Retry-After`
//! and its handler is dropped, whatever it was waiting for. The backends'
//! own deadlines (Redis, MongoDB, S3, taking a database connection) are
//! shorter and fire first, with their circuit breakers; this one bounds what
//! has none, such as a statement sent to a PostgreSQL server that froze
//! (sea-orm and sqlx have no client-side statement deadline, and the
//! server's `statement_timeout` cannot fire in a frozen server).
//!
//! The time the request body takes to arrive does not count: a large upload
//! on a slow link is bounded by the body's own deadline
//! ([`super::body_deadline`]), which tells this one, through
//! [`BodyWait`], how long the handler has been waiting for bytes.
//!
//! A handler dropped at the deadline is cancelled like a crashed process:
//! the request was not acknowledged, an open transaction rolls back, and
//! what was already committed stands (the outbox applies its effects).
//! Response bodies (downloads, exports, WebSockets) are not timed here.

use super::ApiError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError};
use p2p_kernel::{Code, ErrorKind};
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use tokio::time::Instant;

/// The middleware (`from_fn(move |req, next| request_deadline(limit, req, next))`).
///
/// A request cut at its deadline is answered through an error carrying the
/// whole response, rendered here (inside the request's language and id): the
/// request itself cannot be kept for a response of our own, because routing
/// needs it unshared.
pub async fn request_deadline<B: MessageBody + 'static>(
    limit: Duration,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let started = Instant::now();
    let waited = Rc::new(BodyWait::default());
    req.extensions_mut().insert(waited.clone());
    let work = next.call(req);
    tokio::pin!(work);
    let timer = tokio::time::sleep_until(started + limit);
    tokio::pin!(timer);
    loop {
        tokio::select! {
            biased;
            result = &mut work => return result,
            () = &mut timer => {
                let now = Instant::now();
                let due = started + limit + waited.total(now);
                if now < due {
                    timer.as_mut().reset(due);
                    continue;
                }
                // Inside the request's span, which names its method, route and id.
                tracing::warn!(
                    deadline_ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX),
                    "request cut at its deadline"
                );
                metrics::counter!("http_request_deadline_exceeded_total").increment(1);
                return Err(deadline_response().into());
            }
        }
    }
}

/// The 503 problem document, with the request's id as a header too (the
/// response bypasses `observe`, which adds it to the others).
fn deadline_response() -> InternalError<&'static str> {
    let mut response = ApiError::new(
        ErrorKind::Unavailable,
        Code::ServiceUnavailable,
        "the request could not be completed in time; try again shortly",
    )
    .error_response();
    if let Some(value) = super::request_id::current().and_then(|id| HeaderValue::from_str(&id).ok())
    {
        response
            .headers_mut()
            .insert(HeaderName::from_static(super::request_id::HEADER), value);
    }
    InternalError::from_response("request deadline passed", response)
}

/// How long the handler has waited for its request's body: the body reader
/// calls [`BodyWait::waiting`] when it has nothing to give and
/// [`BodyWait::arrived`] when it gives something (bytes, its end, an error).
#[derive(Debug, Default)]
pub struct BodyWait {
    done: Cell<Duration>,
    since: Cell<Option<Instant>>,
}

impl BodyWait {
    pub fn waiting(&self) {
        self.waiting_at(Instant::now());
    }

    pub fn arrived(&self) {
        self.arrived_at(Instant::now());
    }

    fn waiting_at(&self, now: Instant) {
        if self.since.get().is_none() {
            self.since.set(Some(now));
        }
    }

    fn arrived_at(&self, now: Instant) {
        if let Some(since) = self.since.take() {
            self.done
                .set(self.done.get() + now.saturating_duration_since(since));
        }
    }

    /// The wait until `now`, the one under way included.
    fn total(&self, now: Instant) -> Duration {
        let current = self
            .since
            .get()
            .map_or(Duration::ZERO, |since| now.saturating_duration_since(since));
        self.done.get() + current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_waits_for_the_body_are_counted() {
        let start = Instant::now();
        let at = |secs: u64| start + Duration::from_secs(secs);
        let wait = BodyWait::default();
        wait.waiting_at(at(0));
        wait.waiting_at(at(3));
        assert_eq!(
            wait.total(at(3)),
            Duration::from_secs(3),
            "one wait, under way"
        );
        wait.arrived_at(at(3));
        assert_eq!(
            wait.total(at(8)),
            Duration::from_secs(3),
            "work does not count"
        );
        wait.arrived_at(at(8));
        wait.waiting_at(at(8));
        assert_eq!(wait.total(at(10)), Duration::from_secs(5));
        wait.arrived_at(at(10));
        assert_eq!(wait.total(at(20)), Duration::from_secs(5));
    }
}
