//! The realtime bench's WebSocket client, on plain sockets: a blocking
//! handshake and subscription per socket, then reader threads that each poll
//! their share of the sockets with one `epoll` set and read every socket once
//! per readiness (a short read means the socket is drained: new data raises a
//! new edge). Heartbeat pings are answered. Frames are timestamped as they are
//! decoded. A general-purpose client (tokio-tungstenite, as the other benches
//! use) spent about 11 µs of CPU per delivered frame on this machine's cores,
//! which the server shares; this one is the least a client can do.
//!
//! The handshake does not check `Sec-WebSocket-Accept`: the peers are the
//! bench's own server and the loopback floor (`floor`).

use super::wire::{self, CLOSE, Decoder, PING, PONG, TEXT};
use mio::net::TcpStream as MioStream;
use mio::{Events, Interest, Poll, Token, Waker};
use serde_json::{Value, json};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Bound on any blocking read of the set-up phase.
const SETUP_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Bytes read at once from a socket.
const READ_CHUNK: usize = 16 * 1024;
/// The token that wakes a reader thread to stop.
const STOP: Token = Token(usize::MAX);

/// An open, subscribed socket.
pub struct LeanSocket {
    stream: TcpStream,
    decoder: Decoder,
    /// Text frames read during set-up and not yet looked at.
    texts: std::collections::VecDeque<Vec<u8>>,
    /// The server closed it (or it failed) during the run.
    closed: bool,
}

/// A `ws://host:port/path` URL split for a plain socket.
fn split_url(url: &str) -> (&str, &str) {
    let rest = url.strip_prefix("ws://").expect("a ws:// URL");
    match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    }
}

/// A client frame's mask (any value will do for these runs).
fn mask() -> [u8; 4] {
    [0x5A, 0xC3, 0x0F, 0x96]
}

impl LeanSocket {
    /// Opens `url` with `token` and waits for the own-channel `subscribed`
    /// frame the server sends first.
    pub fn connect(url: &str, token: &str) -> Self {
        let (host, path) = split_url(url);
        let mut stream = TcpStream::connect(host).expect("the server accepts");
        stream.set_nodelay(true).expect("TCP_NODELAY");
        stream
            .set_read_timeout(Some(SETUP_READ_TIMEOUT))
            .expect("a read timeout");
        let request = format!(
            "GET {path}?access_token={token} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: cDJwLWJlbmNoLWNsaWVudA==\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        );
        stream
            .write_all(request.as_bytes())
            .expect("handshake sent");
        let mut socket = Self {
            stream,
            decoder: Decoder::default(),
            texts: Default::default(),
            closed: false,
        };
        let response = socket.read_response_head();
        assert!(
            response.starts_with("HTTP/1.1 101"),
            "the handshake was refused: {response}"
        );
        let frame = socket.next_json();
        assert_eq!(frame["type"], "subscribed", "{frame}");
        socket
    }

    /// Subscribes to `channel` and returns its head sequence number.
    pub fn subscribe(&mut self, channel: &str) -> u64 {
        let frame = json!({"type": "subscribe", "channel": channel}).to_string();
        self.send(TEXT, frame.as_bytes());
        loop {
            let frame = self.next_json();
            if frame["type"] == "subscribed" && frame["channel"] == channel {
                return frame["seq"].as_u64().expect("subscribed.seq");
            }
            assert_ne!(frame["type"], "error", "{frame}");
        }
    }

    fn send(&mut self, opcode: u8, payload: &[u8]) {
        let frame = wire::encode(opcode, payload, Some(mask()));
        // A failed write shows as the socket's end on the next read.
        let _ = self.stream.write_all(&frame);
    }

    /// The HTTP response head, read a byte at a time so that no frame
    /// bytes after it are consumed.
    fn read_response_head(&mut self) -> String {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            let read = self.stream.read(&mut byte).expect("a handshake response");
            assert_eq!(read, 1, "the server closed during the handshake");
            head.push(byte[0]);
        }
        String::from_utf8_lossy(&head).into_owned()
    }

    /// The next text frame as JSON (blocking; answers pings on the way).
    fn next_json(&mut self) -> Value {
        let mut buffer = vec![0u8; READ_CHUNK];
        loop {
            if let Some(text) = self.texts.pop_front() {
                return serde_json::from_slice(&text).expect("a JSON frame");
            }
            let read = self.stream.read(&mut buffer).expect("a frame in time");
            assert!(read > 0, "the server closed the socket");
            let mut pings = Vec::new();
            let texts = &mut self.texts;
            self.decoder
                .decode(&mut buffer[..read], |opcode, payload| match opcode {
                    TEXT => texts.push_back(payload.to_vec()),
                    PING => pings.push(payload.to_vec()),
                    CLOSE => panic!("the server closed the socket"),
                    _ => {}
                });
            for ping in pings {
                self.send(PONG, &ping);
            }
        }
    }

    /// Sends a normal close frame and drops the socket.
    pub fn close(mut self) {
        self.send(CLOSE, &1000u16.to_be_bytes());
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

/// What a reader thread does with each text frame: the payload and the
/// wall-clock time (`protocol::now_ns`) it was decoded at.
pub trait OnText: Send + Sync + 'static {
    fn on_text(&self, text: &str, at_ns: u64);
    /// A read failed (the socket is counted closed).
    fn on_error(&self);
}

/// Reader threads sharing the sockets; stopped by [`Readers::stop`].
pub struct Readers {
    stop: Arc<AtomicBool>,
    threads: Vec<(Arc<Waker>, std::thread::JoinHandle<Vec<LeanSocket>>)>,
}

impl Readers {
    /// Starts `threads` readers over `sockets` (dealt round-robin).
    pub fn start(sockets: Vec<LeanSocket>, threads: usize, sink: Arc<dyn OnText>) -> Self {
        let threads = threads.max(1);
        let mut shares: Vec<Vec<LeanSocket>> = (0..threads).map(|_| Vec::new()).collect();
        for (i, socket) in sockets.into_iter().enumerate() {
            shares[i % threads].push(socket);
        }
        let stop = Arc::new(AtomicBool::new(false));
        let threads = shares
            .into_iter()
            .map(|share| {
                let poll = Poll::new().expect("an epoll set");
                let waker = Arc::new(Waker::new(poll.registry(), STOP).expect("a waker"));
                let (stop, sink) = (stop.clone(), sink.clone());
                let thread = std::thread::spawn(move || read_loop(poll, share, &stop, &*sink));
                (waker, thread)
            })
            .collect();
        Self { stop, threads }
    }

    /// Stops every reader and returns the sockets.
    pub fn stop(self) -> Vec<LeanSocket> {
        self.stop.store(true, Ordering::Release);
        let mut sockets = Vec::new();
        for (waker, thread) in self.threads {
            let _ = waker.wake();
            sockets.extend(thread.join().expect("a reader thread"));
        }
        sockets
    }
}

/// One reader thread: every socket of `share` in one epoll set, edge-triggered.
fn read_loop(
    mut poll: Poll,
    share: Vec<LeanSocket>,
    stop: &AtomicBool,
    sink: &dyn OnText,
) -> Vec<LeanSocket> {
    let mut sockets: Vec<(MioStream, Decoder, bool)> = share
        .into_iter()
        .map(|socket| {
            socket
                .stream
                .set_nonblocking(true)
                .expect("a non-blocking socket");
            let stream = MioStream::from_std(socket.stream);
            (stream, socket.decoder, socket.closed)
        })
        .collect();
    for (i, (stream, _, _)) in sockets.iter_mut().enumerate() {
        poll.registry()
            .register(stream, Token(i), Interest::READABLE)
            .expect("registered");
    }
    let mut events = Events::with_capacity(1024);
    let mut buffer = vec![0u8; READ_CHUNK];
    while !stop.load(Ordering::Acquire) {
        if let Err(e) = poll.poll(&mut events, None) {
            assert_eq!(e.kind(), ErrorKind::Interrupted, "epoll_wait: {e}");
            continue;
        }
        for event in events.iter() {
            if let Some((stream, decoder, closed)) = sockets.get_mut(event.token().0)
                && !*closed
            {
                *closed = !drain(stream, decoder, &mut buffer, sink);
            }
        }
    }
    sockets
        .into_iter()
        .map(|(mut stream, decoder, closed)| {
            let _ = poll.registry().deregister(&mut stream);
            let stream = TcpStream::from(std::os::fd::OwnedFd::from(stream));
            let _ = stream.set_nonblocking(false);
            LeanSocket {
                stream,
                decoder,
                texts: Default::default(),
                closed,
            }
        })
        .collect()
}

/// Reads what `stream` holds and hands out its frames; false once the
/// socket has ended.
fn drain(
    stream: &mut MioStream,
    decoder: &mut Decoder,
    buffer: &mut [u8],
    sink: &dyn OnText,
) -> bool {
    loop {
        let read = match stream.read(buffer) {
            Ok(0) => return false,
            Ok(read) => read,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => {
                sink.on_error();
                return false;
            }
        };
        let at_ns = super::protocol::now_ns();
        let mut open = true;
        decoder.decode(&mut buffer[..read], |opcode, payload| match opcode {
            TEXT => sink.on_text(std::str::from_utf8(payload).unwrap_or(""), at_ns),
            PING => {
                let _ = stream.write_all(&wire::encode(PONG, payload, Some(mask())));
            }
            CLOSE => open = false,
            _ => {}
        });
        // A short read drained the socket; more data will raise a new edge.
        if !open || read < buffer.len() {
            return open;
        }
    }
}
