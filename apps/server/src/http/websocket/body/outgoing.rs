//! The response body of an upgraded connection, which also drives the socket
//! loop: one task (actix's connection dispatcher) reads the peer's frames,
//! runs the loop and writes its frames, with no channel or second task between
//! the loop and the socket.

use actix_http::ws::{CloseCode, CloseReason, OpCode, Parser};
use actix_web::body::{BodySize, MessageBody};
use bytes::{Bytes, BytesMut};
use std::cell::RefCell;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// Encoded frames the body has not handed to actix yet, beyond which a
/// writer waits for the body to take them.
const MAX_UNTAKEN: usize = 16 * 1024;

/// Frames encoded by the socket loop, waiting for the body to take them.
#[derive(Default)]
pub(super) struct Outgoing {
    buf: BytesMut,
}

pub(super) type SharedOutgoing = Rc<RefCell<Outgoing>>;

impl Outgoing {
    /// Whether another frame may be encoded now.
    pub(super) fn has_room(&self) -> bool {
        self.buf.len() < MAX_UNTAKEN
    }

    /// Encodes a server frame (never masked).
    pub(super) fn frame(&mut self, op: OpCode, payload: &[u8]) {
        Parser::write_message(&mut self.buf, payload, op, true, false);
    }

    /// Encodes a close frame with `code` and `reason`.
    pub(super) fn close(&mut self, code: u16, reason: &str) {
        let reason = CloseReason {
            code: CloseCode::from(code),
            description: Some(reason.to_owned()),
        };
        Parser::write_close(&mut self.buf, Some(reason), false);
    }

    /// Everything encoded so far (the buffer starts over without an allocation).
    fn take(&mut self) -> Option<Bytes> {
        (!self.buf.is_empty()).then(|| std::mem::take(&mut self.buf).freeze())
    }
}

/// The body of a `101 Switching Protocols` response: polling it runs the
/// socket loop, then hands over the frames the loop encoded. It ends after
/// the loop has ended and its last frames (the close frame) are taken.
///
/// A writer that finds [`Outgoing`] full waits without a waker: the body
/// returns the buffer from the same poll, and actix polls the body again as
/// soon as it has room, which polls the loop again.
pub(super) struct SocketBody {
    serving: Option<Pin<Box<dyn Future<Output = ()>>>>,
    outgoing: SharedOutgoing,
}

impl SocketBody {
    pub(super) fn new(
        serving: Pin<Box<dyn Future<Output = ()>>>,
        outgoing: SharedOutgoing,
    ) -> Self {
        Self {
            serving: Some(serving),
            outgoing,
        }
    }
}

impl MessageBody for SocketBody {
    type Error = Infallible;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        if let Some(serving) = this.serving.as_mut()
            && serving.as_mut().poll(cx).is_ready()
        {
            this.serving = None;
        }
        if let Some(frames) = this.outgoing.borrow_mut().take() {
            return Poll::Ready(Some(Ok(frames)));
        }
        if this.serving.is_none() {
            return Poll::Ready(None);
        }
        Poll::Pending
    }
}
