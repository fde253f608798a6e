//! Request bodies that arrive too slowly are cut off with 408 (JSON bodies
//! and uploads alike), while a large upload at a steady rate still works.
//! The server runs with a 1 s body timeout; the clients are raw sockets that
//! pace their bodies.

use crate::files::{multipart, png};
use p2p_tests::{TestApp, unique_email};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What came back, how many body bytes had been sent by then, and whether
/// the server closed the connection while the client was still sending.
pub(crate) struct Answer {
    pub status: u16,
    pub json: Value,
    sent_before_answer: usize,
    body_len: usize,
    closed_while_sending: bool,
}

/// How the body is framed on the wire.
#[derive(Clone, Copy)]
pub(crate) enum Framing {
    Length,
    Chunked,
}

/// A body sent at a pace: the first `first` bytes at once, the rest in
/// `piece`-byte pieces every `every`.
pub(crate) struct Pace {
    pub first: usize,
    pub piece: usize,
    pub every: Duration,
}

/// Sends `head` (without the framing header and the blank line), then the
/// body at `pace`, while reading the answer.
pub(crate) async fn paced_request(
    app: &TestApp,
    head: &str,
    body: Vec<u8>,
    pace: Pace,
    framing: Framing,
) -> Answer {
    let address = app.base.trim_start_matches("http://").to_owned();
    let stream = TcpStream::connect(address).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let head = match framing {
        Framing::Length => format!("{head}Content-Length: {}\r\n\r\n", body.len()),
        Framing::Chunked => format!("{head}Transfer-Encoding: chunked\r\n\r\n"),
    };
    let sent = Arc::new(AtomicUsize::new(0));
    let body_len = body.len();
    let counter = sent.clone();
    let mut sender = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        let (start, rest) = body.split_at(pace.first.min(body.len()));
        for part in std::iter::once(start).chain(rest.chunks(pace.piece)) {
            match framing {
                Framing::Length => writer.write_all(part).await?,
                Framing::Chunked => {
                    let chunk =
                        [format!("{:x}\r\n", part.len()).as_bytes(), part, b"\r\n"].concat();
                    writer.write_all(&chunk).await?;
                }
            }
            counter.fetch_add(part.len(), Ordering::SeqCst);
            tokio::time::sleep(pace.every).await;
        }
        if let Framing::Chunked = framing {
            writer.write_all(b"0\r\n\r\n").await?;
        }
        std::io::Result::Ok(writer)
    });
    let (status, json) = tokio::time::timeout(Duration::from_secs(120), read_answer(&mut reader))
        .await
        .expect("an answer within two minutes");
    let sent_before_answer = sent.load(Ordering::SeqCst);
    let mut rest = [0u8; 1024];
    let closed_while_sending = tokio::select! {
        biased;
        read = reader.read(&mut rest) => matches!(read, Ok(0) | Err(_)),
        _ = &mut sender => false,
    };
    sender.abort();
    Answer {
        status,
        json,
        sent_before_answer,
        body_len,
        closed_while_sending,
    }
}

/// Reads one HTTP/1.1 response with a `Content-Length` body.
async fn read_answer(reader: &mut tokio::net::tcp::OwnedReadHalf) -> (u16, Value) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = reader.read(&mut chunk).await.unwrap_or(0);
        assert!(n > 0, "connection closed without an answer");
        buffer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buffer).into_owned();
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            continue;
        };
        let length = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            })
            .unwrap_or(0);
        if body.len() >= length {
            let status = head
                .split(' ')
                .nth(1)
                .and_then(|s| s.parse().ok())
                .expect("status");
            return (status, serde_json::from_str(body).unwrap_or(Value::Null));
        }
    }
}

async fn spawn() -> TestApp {
    TestApp::spawn_with(|c| c.body.read_timeout_secs = 1).await
}

const LOGIN: &str =
    "POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n";

fn login_body() -> Vec<u8> {
    br#"{"email": "someone@factory.sa", "password": "Correct-horse-42"}"#.to_vec()
}

/// One byte every 250 ms.
const TRICKLE: Pace = Pace {
    first: 1,
    piece: 1,
    every: Duration::from_millis(250),
};

#[track_caller]
fn assert_cut_off(answer: &Answer) {
    assert_eq!(answer.status, 408, "{}", answer.json);
    assert_eq!(answer.json["code"], "request_timeout");
    assert!(answer.json["request_id"].is_string());
    assert!(
        answer.sent_before_answer < answer.body_len,
        "cut off before the body was complete"
    );
    assert!(
        answer.closed_while_sending,
        "the connection is closed, not drained"
    );
}

#[tokio::test]
async fn a_trickled_json_body_is_cut_off_with_408() {
    let app = spawn().await;
    for framing in [Framing::Length, Framing::Chunked] {
        let answer = paced_request(&app, LOGIN, login_body(), TRICKLE, framing).await;
        assert_cut_off(&answer);
    }
    app.stop().await;
}

#[tokio::test]
async fn an_unread_chunked_body_does_not_keep_the_connection() {
    let app = spawn().await;
    let head =
        "POST /no-such-page HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n";
    let answer = paced_request(&app, head, login_body(), TRICKLE, Framing::Chunked).await;
    assert_eq!(answer.status, 404);
    assert!(
        answer.closed_while_sending,
        "the rest of an unread body is not drained for as long as the client trickles it"
    );
    app.stop().await;
}

pub(crate) fn upload_head(token: &str, content_type: &str) -> String {
    format!(
        "POST /api/v1/files HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nContent-Type: {content_type}\r\n"
    )
}

#[tokio::test]
async fn a_trickled_upload_is_cut_off_with_408() {
    let app = spawn().await;
    let me = app.signup(&unique_email("slow")).await;
    let (content_type, body) = multipart("slow.png", "image/png", &png(4000));
    let head = upload_head(&me.access, &content_type);
    // 400 bytes a second: under the minimum rate of 1 KiB/s.
    let pace = Pace {
        first: 300,
        piece: 100,
        every: Duration::from_millis(250),
    };
    let answer = paced_request(&app, &head, body, pace, Framing::Length).await;
    assert_cut_off(&answer);
    app.stop().await;
}

#[tokio::test]
async fn a_steady_upload_longer_than_the_timeout_completes() {
    let app = spawn().await;
    let me = app.signup(&unique_email("steady")).await;
    let image = png(120 * 1024);
    let (content_type, body) = multipart("steady.png", "image/png", &image);
    let head = upload_head(&me.access, &content_type);
    // 8 KiB every 150 ms: about 2.3 s in all, more than twice the timeout.
    let pace = Pace {
        first: 8192,
        piece: 8192,
        every: Duration::from_millis(150),
    };
    let answer = paced_request(&app, &head, body, pace, Framing::Length).await;
    assert_eq!(answer.status, 201, "{}", answer.json);
    assert_eq!(answer.json["size"], image.len() as u64);
    app.stop().await;
}
