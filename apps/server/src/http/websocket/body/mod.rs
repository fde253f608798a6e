//! The default transport: actix-http's handshake and frame codec, driven by
//! the response body itself ([`SocketBody`]): the peer's frames are read,
//! the socket loop runs and its frames are written all on the one task that
//! owns the connection. Per connection this keeps no channel, no second task
//! and no buffer while idle; per frame it costs one wake-up and one copy.

mod outgoing;
mod reader;

use crate::http::ApiError;
use actix_http::ws::OpCode;
use actix_web::body::BoxBody;
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use outgoing::{SharedOutgoing, SocketBody};
use p2p_kernel::DomainError;
use p2p_realtime::{Incoming, Transport, TransportClosed};
use reader::MessageReader;
use std::future::{Future, poll_fn};
use std::task::Poll;

/// Answers a WebSocket handshake: the `101` response whose body runs
/// `serve` over the connection's [`SocketTransport`]; a request that is not
/// a handshake is a 400 problem document.
pub fn upgrade<F>(
    req: &HttpRequest,
    payload: web::Payload,
    max_message: usize,
    serve: impl FnOnce(SocketTransport) -> F,
) -> Result<HttpResponse, ApiError>
where
    F: Future<Output = ()> + 'static,
{
    let mut response = actix_http::ws::handshake(req.head()).map_err(super::not_a_handshake)?;
    let outgoing = SharedOutgoing::default();
    let transport = SocketTransport {
        outgoing: outgoing.clone(),
        reader: MessageReader::new(payload.into_inner(), max_message),
    };
    let body = SocketBody::new(Box::pin(serve(transport)), outgoing);
    let response = response.message_body(BoxBody::new(body)).map_err(|e| {
        tracing::error!(error = %e, "websocket handshake response");
        ApiError::from(DomainError::internal(
            "cannot answer the WebSocket handshake",
        ))
    })?;
    Ok(response.into())
}

/// The connection as a [`Transport`]: messages from the request payload,
/// frames into the response body.
pub struct SocketTransport {
    outgoing: SharedOutgoing,
    reader: MessageReader,
}

impl SocketTransport {
    /// Encodes a frame once there is room for it (see [`SocketBody`]).
    async fn write(&mut self, encode: impl Fn(&mut outgoing::Outgoing)) {
        poll_fn(|_| {
            let mut outgoing = self.outgoing.borrow_mut();
            if !outgoing.has_room() {
                return Poll::Pending;
            }
            encode(&mut outgoing);
            Poll::Ready(())
        })
        .await;
    }
}

impl Transport for SocketTransport {
    async fn recv(&mut self) -> Option<Incoming> {
        poll_fn(|cx| self.reader.poll_recv(cx)).await
    }

    async fn send_text(&mut self, frame: Bytes) -> Result<(), TransportClosed> {
        // Frames are JSON produced by serde: always UTF-8.
        self.write(|out| out.frame(OpCode::Text, &frame)).await;
        Ok(())
    }

    async fn send_ping(&mut self) -> Result<(), TransportClosed> {
        self.write(|out| out.frame(OpCode::Ping, b"")).await;
        Ok(())
    }

    async fn send_pong(&mut self, payload: Bytes) -> Result<(), TransportClosed> {
        // Control frames carry at most 125 bytes (RFC 6455 section 5.5).
        let payload = &payload[..payload.len().min(125)];
        self.write(|out| out.frame(OpCode::Pong, payload)).await;
        Ok(())
    }

    async fn close(mut self, code: u16, reason: &'static str) {
        self.write(|out| out.close(code, reason)).await;
    }
}
