//! Client messages off the request payload: WebSocket frames decoded with
//! actix-http's codec, fragmented messages joined, sizes bounded.

use actix_codec::Decoder;
use actix_http::ws::{Codec, Frame, Item, ProtocolError};
use actix_web::dev::Payload;
use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use p2p_realtime::Incoming;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Reads the peer's messages from the upgraded connection's payload.
pub(super) struct MessageReader {
    payload: Payload,
    /// Received bytes not yet decoded (empty, without an allocation, when idle).
    buf: BytesMut,
    codec: Codec,
    /// A fragmented message being joined.
    partial: Option<Partial>,
    max_message: usize,
    /// The payload ended or the peer broke the protocol: nothing more is read.
    ended: bool,
}

struct Partial {
    text: bool,
    bytes: BytesMut,
}

impl MessageReader {
    /// A reader refusing frames and messages over `max_message` bytes.
    pub(super) fn new(payload: Payload, max_message: usize) -> Self {
        Self {
            payload,
            buf: BytesMut::new(),
            codec: Codec::new().max_size(max_message),
            partial: None,
            max_message,
            ended: false,
        }
    }

    /// The next message; `None` once the connection is gone. Cancel-safe:
    /// everything read is kept in `self` between polls.
    pub(super) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Incoming>> {
        loop {
            if let Some(message) = self.decode_buffered() {
                if matches!(message, Incoming::TooLarge | Incoming::ProtocolError) {
                    self.ended = true;
                }
                return Poll::Ready(Some(message));
            }
            if self.ended {
                return Poll::Ready(None);
            }
            match Pin::new(&mut self.payload).poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) => self.append(chunk),
                Poll::Ready(Some(Err(_)) | None) => self.ended = true,
                Poll::Pending => return Poll::Pending,
            }
        }
    }

    fn append(&mut self, chunk: Bytes) {
        if self.buf.is_empty() {
            self.buf = BytesMut::from(chunk);
        } else {
            self.buf.extend_from_slice(&chunk);
        }
    }

    /// The next complete message in the buffer, if any.
    fn decode_buffered(&mut self) -> Option<Incoming> {
        if self.ended && self.buf.is_empty() {
            return None;
        }
        loop {
            let decoded = self.codec.decode(&mut self.buf);
            if self.buf.is_empty() {
                // Give the read chunk's memory back while the socket idles.
                self.buf = BytesMut::new();
            }
            match decoded {
                Ok(Some(frame)) => {
                    if let Some(message) = self.on_frame(frame) {
                        return Some(message);
                    }
                }
                Ok(None) => return None,
                Err(ProtocolError::Overflow) => return Some(Incoming::TooLarge),
                Err(_) => return Some(Incoming::ProtocolError),
            }
        }
    }

    /// The message a frame completes, if it completes one.
    fn on_frame(&mut self, frame: Frame) -> Option<Incoming> {
        let data_frame = matches!(frame, Frame::Text(_) | Frame::Binary(_));
        if data_frame && self.partial.is_some() {
            // A new message may not start inside a fragmented one.
            return Some(Incoming::ProtocolError);
        }
        match frame {
            Frame::Text(bytes) => Some(text(bytes)),
            Frame::Binary(_) => Some(Incoming::Binary),
            Frame::Ping(payload) => Some(Incoming::Ping(payload)),
            Frame::Pong(_) => Some(Incoming::Pong),
            Frame::Close(_) => Some(Incoming::Close),
            Frame::Continuation(item) => self.on_fragment(item),
        }
    }

    fn on_fragment(&mut self, item: Item) -> Option<Incoming> {
        let (first, bytes, last) = match item {
            Item::FirstText(bytes) => (Some(true), bytes, false),
            Item::FirstBinary(bytes) => (Some(false), bytes, false),
            Item::Continue(bytes) => (None, bytes, false),
            Item::Last(bytes) => (None, bytes, true),
        };
        let partial = match (first, self.partial.as_mut()) {
            (Some(text), None) => self.partial.insert(Partial {
                text,
                bytes: BytesMut::new(),
            }),
            (None, Some(partial)) => partial,
            // A first fragment inside a message, or a continuation outside one.
            _ => return Some(Incoming::ProtocolError),
        };
        if partial.bytes.len() + bytes.len() > self.max_message {
            return Some(Incoming::TooLarge);
        }
        partial.bytes.extend_from_slice(&bytes);
        if !last {
            return None;
        }
        let done = self.partial.take()?;
        Some(if done.text {
            text(done.bytes.freeze())
        } else {
            Incoming::Binary
        })
    }
}

/// A text message: its bytes must be UTF-8 (RFC 6455 section 8.1).
fn text(bytes: Bytes) -> Incoming {
    if std::str::from_utf8(&bytes).is_ok() {
        Incoming::Text(bytes)
    } else {
        Incoming::ProtocolError
    }
}
