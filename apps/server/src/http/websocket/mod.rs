//! WebSocket connections: the handshake, then a [`Transport`](p2p_realtime::Transport)
//! that `p2p_realtime::serve` runs the socket loop over. Two transports, one
//! per build (compared in docs/benchmarks.md, "WebSocket transports"):
//!
//! - by default [`body`]: actix-http's handshake and frame codec driven by
//!   the response body itself, with no channel or second task per socket;
//! - with the feature `ws-actix-ws`, [`session`]: actix-ws's `Session` (a
//!   channel into its response body) and message stream, the loop on a task
//!   of its own.

#[cfg(not(feature = "ws-actix-ws"))]
mod body;
mod origin;
#[cfg(feature = "ws-actix-ws")]
mod session;

use crate::http::ApiError;
#[cfg(not(feature = "ws-actix-ws"))]
pub use body::{SocketTransport, upgrade};
pub use origin::require_allowed_origin;
use p2p_kernel::{Code, ErrorKind};
#[cfg(feature = "ws-actix-ws")]
pub use session::{SessionTransport, upgrade};

/// The 400 problem document answering a request that is not a handshake.
fn not_a_handshake(error: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorKind::BadRequest,
        Code::WebsocketHandshakeFailed,
        format!("not a WebSocket handshake: {error}"),
    )
}
