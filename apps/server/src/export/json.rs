//! A JSON document written piece by piece into a bounded channel: the
//! response body reads the other end, so at most a page of the document and
//! a few chunks in flight are ever in memory.

use bytes::Bytes;
use serde::Serialize;
use std::io;
use tokio::sync::mpsc;

/// What the response body receives: chunks, or an error that cuts it.
pub type Chunk = Result<Bytes, io::Error>;

/// Chunks waiting for the client at most (each about a page of the document).
pub const CHANNEL_CHUNKS: usize = 4;

/// Why writing stopped.
#[derive(Debug)]
pub enum Stop {
    /// The client went away: nothing more to do.
    Gone,
    /// Reading the data failed.
    Failed(p2p_kernel::DomainError),
}

impl From<p2p_kernel::DomainError> for Stop {
    fn from(e: p2p_kernel::DomainError) -> Self {
        Stop::Failed(e)
    }
}

/// The writer of one JSON document. Containers are opened and closed by the
/// caller; commas are placed here (`first` tells, per open container,
/// whether nothing was written in it yet).
pub struct JsonSink {
    tx: mpsc::Sender<Chunk>,
    buf: Vec<u8>,
    first: Vec<bool>,
}

impl JsonSink {
    pub fn new(tx: mpsc::Sender<Chunk>) -> Self {
        Self {
            tx,
            buf: Vec::new(),
            first: Vec::new(),
        }
    }

    fn separate(&mut self) {
        if let Some(first) = self.first.last_mut() {
            if !*first {
                self.buf.push(b',');
            }
            *first = false;
        }
    }

    fn key(&mut self, key: &str) -> Result<(), Stop> {
        self.separate();
        self.raw(key)?;
        self.buf.push(b':');
        Ok(())
    }

    fn raw<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        serde_json::to_writer(&mut self.buf, value)
            .map_err(|e| Stop::Failed(p2p_kernel::DomainError::internal(e)))
    }

    /// Opens an object (`{`) or array (`[`) as the next array item or at the top.
    pub fn open(&mut self, bracket: u8) {
        self.separate();
        self.buf.push(bracket);
        self.first.push(true);
    }

    /// Opens an object or array as the value of `key` in the current object.
    pub fn open_field(&mut self, key: &str, bracket: u8) -> Result<(), Stop> {
        self.key(key)?;
        self.buf.push(bracket);
        self.first.push(true);
        Ok(())
    }

    /// Closes the innermost container with `bracket` (`}` or `]`).
    pub fn close(&mut self, bracket: u8) {
        self.buf.push(bracket);
        self.first.pop();
    }

    /// `"key": value` in the current object.
    pub fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Stop> {
        self.key(key)?;
        self.raw(value)
    }

    /// The next item of the current array.
    pub fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        self.separate();
        self.raw(value)
    }

    /// Hands what was written so far to the response (waits while the client
    /// is slow: that is what bounds the memory).
    pub async fn flush(&mut self) -> Result<(), Stop> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        self.tx.send(Ok(chunk)).await.map_err(|_| Stop::Gone)
    }

    /// Ends the response with an error: the client sees a cut body, never a
    /// document that looks whole but is not.
    pub async fn fail(self) {
        let _ = self.tx.send(Err(io::Error::other("export failed"))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn commas_go_between_members_and_items_at_every_depth() -> Result<(), Stop> {
        let (tx, mut rx) = mpsc::channel(8);
        let mut sink = JsonSink::new(tx);
        sink.open(b'{');
        sink.field("a", &1)?;
        sink.open_field("list", b'[')?;
        sink.item(&"x")?;
        sink.open(b'{');
        sink.field("b", &[1, 2])?;
        sink.open_field("c", b'[')?;
        sink.close(b']');
        sink.close(b'}');
        sink.item(&"y")?;
        sink.close(b']');
        sink.open_field("empty", b'[')?;
        sink.close(b']');
        sink.close(b'}');
        sink.flush().await?;
        drop(sink);
        let mut out = Vec::new();
        while let Some(Ok(chunk)) = rx.recv().await {
            out.extend_from_slice(&chunk);
        }
        assert_eq!(
            String::from_utf8_lossy(&out),
            r#"{"a":1,"list":["x",{"b":[1,2],"c":[]},"y"],"empty":[]}"#
        );
        Ok(())
    }
}
