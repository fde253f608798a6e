//! What a store knows about an object, and a download in progress.

use crate::body::ByteStream;
use crate::error::StorageError;
use p2p_kernel::FieldCode;
use serde::{Deserialize, Serialize};

/// The description of a stored object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMeta {
    /// The key the object is stored under (without any store-internal prefix).
    pub key: String,
    /// Size in bytes.
    pub size: u64,
    /// MIME type given when the object was written.
    pub content_type: String,
    /// Lowercase hex SHA-256 of the content. Always present in what `put`
    /// returns; `head`/`get` return it when the backend kept it (the local
    /// store does; S3 does not, so record it from `put` if you need it later).
    pub sha256: Option<String>,
}

/// An object being downloaded: its description and its content as a stream.
pub struct StoredObject {
    /// The object's description.
    pub meta: ObjectMeta,
    /// The content, streamed.
    pub body: ByteStream,
}

impl std::fmt::Debug for StoredObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredObject")
            .field("meta", &self.meta)
            .finish_non_exhaustive()
    }
}

/// The longest content type accepted.
const MAX_CONTENT_TYPE_LEN: usize = 255;

/// Checks that a content type can be stored and sent back as a header value:
/// `type/subtype` with optional parameters, visible ASCII only.
pub(crate) fn check_content_type(content_type: &str) -> Result<(), StorageError> {
    let valid = !content_type.is_empty()
        && content_type.len() <= MAX_CONTENT_TYPE_LEN
        && content_type
            .bytes()
            .all(|b| b == b' ' || b.is_ascii_graphic())
        && content_type
            .split(';')
            .next()
            .and_then(|essence| essence.trim().split_once('/'))
            .is_some_and(|(ty, sub)| !ty.is_empty() && !sub.is_empty());
    if valid {
        Ok(())
    } else {
        Err(StorageError::invalid(
            "content_type",
            FieldCode::InvalidContentType,
            "must be a MIME type such as image/png",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::check_content_type;

    #[test]
    fn content_types() {
        assert!(check_content_type("image/png").is_ok());
        assert!(check_content_type("text/plain; charset=utf-8").is_ok());
        assert!(check_content_type("").is_err());
        assert!(check_content_type("png").is_err());
        assert!(check_content_type("image/").is_err());
        assert!(check_content_type("image/png\r\nX-Evil: 1").is_err());
    }
}
