//! Streaming bodies: the stream type every store reads and writes, and small
//! adapters the upload path needs (size limit, peeking at the first bytes).

use bytes::{Bytes, BytesMut};
use futures_util::stream::{self, BoxStream, StreamExt};
use std::io;

/// A body streamed chunk by chunk; an `Err` item aborts the transfer.
pub type ByteStream = BoxStream<'static, Result<Bytes, io::Error>>;

/// The error (inside an [`io::Error`]) that [`limit_body`] yields once the body
/// grows past its limit. Stores turn it into [`crate::StorageError::TooLarge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the body is larger than {limit} bytes")]
pub struct BodyTooLarge {
    /// The limit in bytes that was exceeded.
    pub limit: u64,
}

impl BodyTooLarge {
    /// Finds this marker inside an I/O error produced by [`limit_body`].
    pub fn find(error: &io::Error) -> Option<BodyTooLarge> {
        error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<BodyTooLarge>())
            .copied()
    }
}

/// A body made of one chunk that is already in memory.
pub fn bytes_body(bytes: impl Into<Bytes>) -> ByteStream {
    let bytes = bytes.into();
    stream::once(async move { Ok(bytes) }).boxed()
}

/// Passes `body` through until more than `limit` bytes have gone by, then
/// yields one [`BodyTooLarge`] error and ends.
pub fn limit_body(body: ByteStream, limit: u64) -> ByteStream {
    stream::unfold(
        (body, 0u64, false),
        move |(mut body, seen, failed)| async move {
            if failed {
                return None;
            }
            match body.next().await? {
                Ok(chunk) => {
                    let seen = seen.saturating_add(chunk.len() as u64);
                    if seen > limit {
                        let error =
                            io::Error::new(io::ErrorKind::InvalidData, BodyTooLarge { limit });
                        Some((Err(error), (body, seen, true)))
                    } else {
                        Some((Ok(chunk), (body, seen, false)))
                    }
                }
                Err(error) => Some((Err(error), (body, seen, true))),
            }
        },
    )
    .boxed()
}

/// Reads from `body` until at least `len` bytes (or the whole body, if shorter)
/// are buffered. Returns those buffered bytes and a stream that yields the
/// complete body again, from its first byte. Used to sniff the content type
/// before streaming an upload to a store.
pub async fn peek_head(mut body: ByteStream, len: usize) -> Result<(Bytes, ByteStream), io::Error> {
    let mut head = BytesMut::new();
    while head.len() < len {
        match body.next().await {
            Some(chunk) => head.extend_from_slice(&chunk?),
            None => break,
        }
    }
    let head = head.freeze();
    let replay = if head.is_empty() {
        body
    } else {
        stream::once({
            let head = head.clone();
            async move { Ok(head) }
        })
        .chain(body)
        .boxed()
    };
    Ok((head, replay))
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;

    fn chunks(parts: &[&'static [u8]]) -> ByteStream {
        let parts: Vec<_> = parts.iter().map(|p| Ok(Bytes::from_static(p))).collect();
        stream::iter(parts).boxed()
    }

    async fn collect(body: ByteStream) -> Result<Vec<u8>, io::Error> {
        body.try_fold(Vec::new(), |mut acc, chunk| async move {
            acc.extend_from_slice(&chunk);
            Ok(acc)
        })
        .await
    }

    #[tokio::test]
    async fn limit_lets_small_bodies_through() {
        let out = collect(limit_body(chunks(&[b"abc", b"def"]), 6)).await;
        assert_eq!(out.ok(), Some(b"abcdef".to_vec()));
    }

    #[tokio::test]
    async fn limit_stops_large_bodies() {
        let out = collect(limit_body(chunks(&[b"abc", b"defg"]), 6)).await;
        let error = out.err();
        assert_eq!(
            error.as_ref().and_then(BodyTooLarge::find),
            Some(BodyTooLarge { limit: 6 })
        );
    }

    #[tokio::test]
    async fn peek_returns_head_and_replays_everything() {
        let (head, rest) = match peek_head(chunks(&[b"ab", b"cd", b"ef"]), 3).await {
            Ok(v) => v,
            Err(e) => panic!("peek failed: {e}"),
        };
        assert_eq!(&head[..], b"abcd");
        assert_eq!(collect(rest).await.ok(), Some(b"abcdef".to_vec()));
    }

    #[tokio::test]
    async fn peek_on_short_body_returns_all_of_it() {
        let (head, rest) = match peek_head(chunks(&[b"ab"]), 16).await {
            Ok(v) => v,
            Err(e) => panic!("peek failed: {e}"),
        };
        assert_eq!(&head[..], b"ab");
        assert_eq!(collect(rest).await.ok(), Some(b"ab".to_vec()));
    }
}
