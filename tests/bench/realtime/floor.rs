//! The loopback floor: the least a server can do to fan one frame out to N
//! WebSocket subscribers on this machine, measured in the same run and with
//! the same client process as the real server, so that the real server's
//! figures can be read as a ratio to it.
//!
//! A plain listener answers the handshake (`101`, no checks), sends the
//! own-channel `subscribed` frame, reads one `subscribe` and acknowledges it;
//! the sockets are then kept in a list. Publishing writes the same encoded
//! frame to every socket: one thread per core, each over its contiguous share
//! of the list, blocking writes. No sequence numbers, log, registry, tasks or
//! wake-ups: what is left is the kernel's work (the loopback TCP send, which
//! also runs the receiver's TCP input and its epoll wake-up) and the client's.

use super::wire::{self, TEXT};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Bound on the reads of a handshake.
const HANDSHAKE_READ_TIMEOUT: Duration = Duration::from_secs(30);

pub struct FloorServer {
    url: String,
    sockets: Arc<Mutex<Vec<TcpStream>>>,
}

impl FloorServer {
    /// Listens on a free loopback port; serves handshakes on a thread of its
    /// own until the process ends.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!(
            "ws://{}/ws",
            listener.local_addr().expect("the bound address")
        );
        let sockets = Arc::new(Mutex::new(Vec::new()));
        let accepted = sockets.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                if let Some(stream) = handshake(stream) {
                    accepted.lock().expect("the socket list").push(stream);
                }
            }
        });
        Self { url, sockets }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Writes `frame` (a complete encoded frame) to every socket, one thread
    /// per core; returns how many writes failed.
    pub fn publish(&self, frame: &[u8], cores: usize) -> usize {
        let mut sockets = self.sockets.lock().expect("the socket list");
        let share = sockets.len().div_ceil(cores.max(1)).max(1);
        std::thread::scope(|scope| {
            let writers: Vec<_> = sockets
                .chunks_mut(share)
                .map(|part| {
                    scope.spawn(move || {
                        let mut failed = 0;
                        for socket in part.iter_mut() {
                            failed += usize::from(socket.write_all(frame).is_err());
                        }
                        failed
                    })
                })
                .collect();
            writers
                .into_iter()
                .map(|writer| writer.join().unwrap_or(0))
                .sum()
        })
    }

    /// Closes every socket.
    pub fn close(self) {
        self.sockets.lock().expect("the socket list").clear();
    }
}

/// The server side of one connection's set-up, as `/ws` does it; `None` if
/// the client went away.
fn handshake(mut stream: TcpStream) -> Option<TcpStream> {
    stream.set_nodelay(true).ok()?;
    stream.set_read_timeout(Some(HANDSHAKE_READ_TIMEOUT)).ok()?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        (stream.read(&mut byte).ok()? == 1).then_some(())?;
        head.push(byte[0]);
    }
    let accept = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                  Connection: Upgrade\r\nSec-WebSocket-Accept: floor\r\n\r\n";
    stream.write_all(accept.as_bytes()).ok()?;
    let own = json!({"type": "subscribed", "channel": "user:floor", "seq": 0});
    send_text(&mut stream, &own)?;
    let subscribe = read_text(&mut stream)?;
    let channel = subscribe["channel"].clone();
    send_text(
        &mut stream,
        &json!({"type": "subscribed", "channel": channel, "seq": 0}),
    )?;
    Some(stream)
}

fn send_text(stream: &mut TcpStream, frame: &Value) -> Option<()> {
    let frame = wire::encode(TEXT, frame.to_string().as_bytes(), None);
    stream.write_all(&frame).ok()
}

/// The client's first text frame (its `subscribe`).
fn read_text(stream: &mut TcpStream) -> Option<Value> {
    let mut decoder = wire::Decoder::default();
    let mut buffer = [0u8; 4096];
    let mut text = None;
    while text.is_none() {
        let read = stream.read(&mut buffer).ok()?;
        (read > 0).then_some(())?;
        decoder.decode(&mut buffer[..read], |opcode, payload| {
            if opcode == TEXT && text.is_none() {
                text = serde_json::from_slice(payload).ok();
            }
        });
    }
    text
}
