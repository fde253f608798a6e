//! The transport of the feature `ws-actix-ws`: actix-ws's handshake, its
//! `Session` (frames go through a channel of 32 messages into its response
//! body, which encodes them) and its message stream (continuations joined);
//! the socket loop runs on a task of its own on the worker that accepted the
//! connection.

use crate::http::ApiError;
use actix_http::error::PayloadError;
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseReason, ProtocolError, Session};
use bytes::Bytes;
use bytestring::ByteString;
use p2p_realtime::{Incoming, Transport, TransportClosed};
use std::future::Future;

/// Answers a WebSocket handshake: the `101` response, and `serve` spawned
/// over the connection's [`SessionTransport`]; a request that is not a
/// handshake is a 400 problem document.
pub fn upgrade<F>(
    req: &HttpRequest,
    payload: web::Payload,
    max_message: usize,
    serve: impl FnOnce(SessionTransport) -> F,
) -> Result<HttpResponse, ApiError>
where
    F: Future<Output = ()> + 'static,
{
    let (response, session, messages) =
        actix_ws::handle(req, payload).map_err(super::not_a_handshake)?;
    let messages = messages
        .max_frame_size(max_message)
        .aggregate_continuations()
        .max_continuation_size(max_message);
    actix_web::rt::spawn(serve(SessionTransport { session, messages }));
    Ok(response)
}

/// The connection as a [`Transport`]: actix-ws's session and message stream.
pub struct SessionTransport {
    session: Session,
    messages: AggregatedMessageStream,
}

impl Transport for SessionTransport {
    async fn recv(&mut self) -> Option<Incoming> {
        Some(match self.messages.recv().await? {
            Ok(AggregatedMessage::Text(text)) => Incoming::Text(text.into_bytes()),
            Ok(AggregatedMessage::Binary(_)) => Incoming::Binary,
            Ok(AggregatedMessage::Ping(payload)) => Incoming::Ping(payload),
            Ok(AggregatedMessage::Pong(_)) => Incoming::Pong,
            Ok(AggregatedMessage::Close(_)) => Incoming::Close,
            Err(ProtocolError::Overflow) => Incoming::TooLarge,
            Err(ProtocolError::Io(e)) => match e.kind() {
                // Text that is not UTF-8.
                std::io::ErrorKind::InvalidData => Incoming::ProtocolError,
                // The connection failed.
                _ if e.get_ref().is_some_and(|inner| inner.is::<PayloadError>()) => return None,
                // The stream's only other error: joined continuations over the limit.
                _ => Incoming::TooLarge,
            },
            Err(_) => Incoming::ProtocolError,
        })
    }

    async fn send_text(&mut self, frame: Bytes) -> Result<(), TransportClosed> {
        // Frames are JSON produced by serde: the check always passes.
        let text = ByteString::try_from(frame).map_err(|_| TransportClosed)?;
        self.session.text(text).await.map_err(|_| TransportClosed)
    }

    async fn send_ping(&mut self) -> Result<(), TransportClosed> {
        self.session.ping(b"").await.map_err(|_| TransportClosed)
    }

    async fn send_pong(&mut self, payload: Bytes) -> Result<(), TransportClosed> {
        self.session
            .pong(&payload)
            .await
            .map_err(|_| TransportClosed)
    }

    async fn close(self, code: u16, reason: &'static str) {
        let reason = CloseReason {
            code: code.into(),
            description: Some(reason.to_owned()),
        };
        let _ = self.session.close(Some(reason)).await;
    }
}
