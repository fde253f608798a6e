//! Request bodies have a deadline, so a client that trickles its body cannot
//! hold a connection (and a worker's attention) for minutes. actix only times
//! the request head (`client_request_timeout`); this middleware wraps every
//! request body in [`ReadDeadline`]: the body fails when no byte arrives for
//! the configured timeout, or when it falls behind the minimum rate (the
//! timeout plus one second per `min_bytes_per_sec` bytes received since the
//! head). A large upload at a steady rate keeps going; a slow-loris does not.
//!
//! Whatever consumer read the body (the JSON extractor, a multipart upload, a
//! presigned PUT) fails with its own error; the middleware then answers 408
//! `request_timeout` instead. The response holds on to the request body until
//! it is sent, so that actix closes a connection whose request body was not
//! read to its end instead of draining it: without that, a chunked body that
//! no handler reads (or one cut off here) would be drained for as long as the
//! client keeps trickling it.

use super::ApiError;
use super::request_deadline::BodyWait;
use crate::config::BodyReadSettings;
use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError};
use bytes::Bytes;
use futures_util::Stream;
use p2p_kernel::Code;
use p2p_kernel::ErrorKind;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// The middleware (`from_fn(move |req, next| body_deadline(rule, req, next))`).
pub async fn body_deadline<B: MessageBody + 'static>(
    rule: BodyReadSettings,
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B, HoldingRequestBody>>, actix_web::Error> {
    if !has_body(&req) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let body = Rc::new(RequestBody {
        payload: RefCell::new(req.take_payload()),
        expired: Cell::new(false),
        waited: req.extensions().get::<Rc<BodyWait>>().cloned(),
    });
    req.set_payload(Payload::Stream {
        payload: Box::pin(ReadDeadline::new(body.clone(), rule)),
    });
    let result = next.call(req).await;
    let response = match result {
        Ok(response) if body.expired.get() && is_failure(&response) => {
            let (request, _) = response.into_parts();
            let timed_out = timeout_error().error_response();
            ServiceResponse::new(request, timed_out.map_into_boxed_body())
        }
        Ok(response) => response.map_into_boxed_body(),
        Err(_) if body.expired.get() => return Err(timeout_error().into()),
        Err(error) => return Err(error),
    };
    Ok(response.map_body(|_, sent| EitherBody::right(HoldingRequestBody { sent, _read: body })))
}

fn is_failure<B>(response: &ServiceResponse<B>) -> bool {
    response.status().is_client_error() || response.status().is_server_error()
}

fn timeout_error() -> ApiError {
    ApiError::new(
        ErrorKind::RequestTimeout,
        Code::RequestTimeout,
        "the request body did not arrive in time",
    )
}

/// Whether the request carries a body this middleware should time (HTTP/1:
/// a body is announced by its length or its transfer coding). A WebSocket
/// handshake's stream is the socket's, not a body.
fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    let announced = headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|len| len.as_bytes() != b"0");
    let websocket = req.method() == Method::GET && req.head().upgrade();
    announced && !websocket
}

/// The request's body, shared by the reader the handler gets and the
/// response (see [`HoldingRequestBody`]).
struct RequestBody {
    payload: RefCell<Payload>,
    /// Set when [`ReadDeadline`] cut the body off.
    expired: Cell<bool>,
    /// Told when the handler waits for the body and when it gets some (the
    /// request's deadline does not count those waits).
    waited: Option<Rc<BodyWait>>,
}

impl RequestBody {
    fn waiting(&self, waiting: bool) {
        match (&self.waited, waiting) {
            (Some(waited), true) => waited.waiting(),
            (Some(waited), false) => waited.arrived(),
            (None, _) => {}
        }
    }
}

/// A response body that keeps the request body alive until it is sent.
pub struct HoldingRequestBody {
    sent: BoxBody,
    _read: Rc<RequestBody>,
}

impl MessageBody for HoldingRequestBody {
    type Error = <BoxBody as MessageBody>::Error;

    fn size(&self) -> BodySize {
        self.sent.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.get_mut().sent).poll_next(cx)
    }
}

/// The request body as the handler reads it: fails with a timeout error when
/// it arrives too slowly (see the module documentation).
struct ReadDeadline {
    body: Rc<RequestBody>,
    rule: BodyReadSettings,
    started: Instant,
    received: u64,
    /// Armed when the body has nothing to give, until the next chunk.
    timer: Option<Pin<Box<Sleep>>>,
    waiting: bool,
    finished: bool,
}

impl ReadDeadline {
    fn new(body: Rc<RequestBody>, rule: BodyReadSettings) -> Self {
        Self {
            body,
            rule,
            started: Instant::now(),
            received: 0,
            timer: None,
            waiting: false,
            finished: false,
        }
    }

    /// When the body fails if nothing more arrives: a full timeout from now
    /// at most, and never later than the minimum rate allows.
    fn deadline(&self) -> Instant {
        let idle = Instant::now() + self.rule.timeout;
        let earned =
            Duration::from_secs_f64(self.received as f64 / self.rule.min_bytes_per_sec as f64);
        let paced = self.started + self.rule.timeout + earned;
        idle.min(paced)
    }

    /// Arms the timer (once per wait) and tells whether it fired.
    fn deadline_passed(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.waiting {
            self.waiting = true;
            let deadline = self.deadline();
            match &mut self.timer {
                Some(timer) => timer.as_mut().reset(deadline),
                None => self.timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
        }
        self.timer
            .as_mut()
            .is_some_and(|timer| timer.as_mut().poll(cx).is_ready())
    }
}

impl Stream for ReadDeadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.finished {
            return Poll::Ready(None);
        }
        let polled = Pin::new(&mut *this.body.payload.borrow_mut()).poll_next(cx);
        this.body.waiting(polled.is_pending());
        match polled {
            Poll::Ready(Some(Ok(chunk))) => {
                this.received = this.received.saturating_add(chunk.len() as u64);
                this.waiting = false;
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(other) => {
                this.finished = true;
                Poll::Ready(other)
            }
            Poll::Pending if !this.deadline_passed(cx) => Poll::Pending,
            Poll::Pending => {
                this.finished = true;
                this.body.waiting(false);
                this.body.expired.set(true);
                let error = std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the request body did not arrive in time",
                );
                Poll::Ready(Some(Err(PayloadError::Io(error))))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    fn rule(timeout_ms: u64, min_bytes_per_sec: u64) -> BodyReadSettings {
        BodyReadSettings {
            timeout: Duration::from_millis(timeout_ms),
            min_bytes_per_sec,
        }
    }

    /// A body that yields `chunk` every `every`, `count` times.
    fn paced(chunk: &'static [u8], every: Duration, count: usize) -> Payload {
        let stream = futures_util::stream::unfold(0, move |n| async move {
            if n == count {
                return None;
            }
            tokio::time::sleep(every).await;
            Some((Ok(Bytes::from_static(chunk)), n + 1))
        });
        Payload::Stream {
            payload: Box::pin(stream),
        }
    }

    async fn read_all(payload: Payload, rule: BodyReadSettings) -> (usize, bool) {
        let shared = Rc::new(RequestBody {
            payload: RefCell::new(payload),
            expired: Cell::new(false),
            waited: None,
        });
        let mut body = ReadDeadline::new(shared.clone(), rule);
        let mut read = 0;
        while let Some(chunk) = body.next().await {
            match chunk {
                Ok(bytes) => read += bytes.len(),
                Err(_) => break,
            }
        }
        (read, shared.expired.get())
    }

    #[tokio::test]
    async fn a_trickle_is_cut_at_the_timeout() {
        let trickle = paced(b"x", Duration::from_millis(50), 1000);
        let (read, expired) = read_all(trickle, rule(300, 1024)).await;
        assert!(expired);
        assert!(read < 1000, "read {read} bytes");
    }

    #[tokio::test]
    async fn silence_is_cut() {
        let silent = paced(b"x", Duration::from_secs(30), 1);
        let (read, expired) = read_all(silent, rule(100, 1024)).await;
        assert_eq!((read, expired), (0, true));
    }

    #[tokio::test]
    async fn a_steady_upload_outlives_the_timeout() {
        static CHUNK: [u8; 16 * 1024] = [7; 16 * 1024];
        let steady = paced(&CHUNK, Duration::from_millis(100), 25);
        let (read, expired) = read_all(steady, rule(1000, 1024)).await;
        assert_eq!((read, expired), (25 * CHUNK.len(), false));
    }
}
