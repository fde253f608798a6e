//! The storage error and how it maps to the platform's error model.

use crate::body::BodyTooLarge;
use p2p_kernel::Code;
use p2p_kernel::{ErrorCode, ErrorKind, FieldCode, FieldError};
use std::io;

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a presigned local URL was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureProblem {
    /// The signature does not match the URL's parameters (tampered or forged).
    Invalid,
    /// The URL was valid but its expiry time has passed.
    Expired,
}

/// What can go wrong in a store.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// No object under this key.
    #[error("object not found: {key}")]
    NotFound {
        /// The key that was asked for.
        key: String,
    },
    /// A create-only write (a presigned upload URL used again) found an object
    /// under its key already.
    #[error("object already exists: {key}")]
    AlreadyExists {
        /// The key that was written.
        key: String,
    },
    /// A caller-supplied value (key, content type, expiry...) is unusable.
    #[error("invalid {}: {}", .0.field, .0.message)]
    Invalid(FieldError),
    /// The upload body grew past the allowed size.
    #[error("upload larger than {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// Reading the upload body failed (client went away, malformed stream).
    #[error("reading the upload failed: {0}")]
    Body(#[source] io::Error),
    /// A presigned local URL was refused.
    #[error("presigned url refused: {0:?}")]
    Signature(SignatureProblem),
    /// The backend (S3 service, file system) failed; the cause is for logs only.
    #[error("{backend} storage failed: {source}")]
    Backend {
        /// `s3` or `files`.
        backend: &'static str,
        /// The underlying failure.
        #[source]
        source: BoxError,
    },
    /// The store was built with unusable settings.
    #[error("storage configuration: {0}")]
    Config(String),
}

impl StorageError {
    /// An invalid caller-supplied value.
    pub fn invalid(field: &str, code: FieldCode, message: impl Into<String>) -> Self {
        Self::Invalid(FieldError::new(field, code, message))
    }

    /// A backend failure.
    pub fn backend(backend: &'static str, source: impl Into<BoxError>) -> Self {
        Self::Backend {
            backend,
            source: source.into(),
        }
    }

    /// Classifies an error read from an upload body: a [`BodyTooLarge`] marker
    /// becomes [`StorageError::TooLarge`], anything else [`StorageError::Body`].
    pub fn from_body(error: io::Error) -> Self {
        match BodyTooLarge::find(&error) {
            Some(BodyTooLarge { limit }) => Self::TooLarge { limit },
            None => Self::Body(error),
        }
    }

    /// True for [`StorageError::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }
}

impl ErrorCode for StorageError {
    fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::AlreadyExists { .. } => ErrorKind::Conflict,
            Self::Invalid(_) => ErrorKind::Validation,
            Self::TooLarge { .. } => ErrorKind::PayloadTooLarge,
            Self::Body(_) => ErrorKind::BadRequest,
            Self::Signature(_) => ErrorKind::Forbidden,
            Self::Backend { .. } => ErrorKind::Unavailable,
            Self::Config(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> Code {
        match self {
            Self::Body(_) => Code::UploadFailed,
            Self::AlreadyExists { .. } => Code::AlreadyUploaded,
            Self::Signature(SignatureProblem::Invalid) => Code::InvalidSignature,
            Self::Signature(SignatureProblem::Expired) => Code::ExpiredSignature,
            other => other.kind().default_code(),
        }
    }

    fn public_detail(&self) -> String {
        match self {
            Self::NotFound { .. } => "file not found".to_owned(),
            Self::AlreadyExists { .. } => "this upload link was already used".to_owned(),
            Self::Invalid(_) => "the request has invalid fields".to_owned(),
            Self::TooLarge { limit } => format!("the file is larger than {limit} bytes"),
            Self::Body(_) => "the upload could not be read".to_owned(),
            Self::Signature(SignatureProblem::Invalid) => "the link is not valid".to_owned(),
            Self::Signature(SignatureProblem::Expired) => "the link has expired".to_owned(),
            Self::Backend { .. } => "file storage unavailable".to_owned(),
            Self::Config(_) => "internal error".to_owned(),
        }
    }

    fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Invalid(field) => std::slice::from_ref(field),
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_codes() {
        let not_found = StorageError::NotFound { key: "a".into() };
        assert_eq!(not_found.kind().status(), 404);
        assert_eq!(not_found.code(), "not_found");

        let invalid = StorageError::invalid("key", FieldCode::InvalidKey, "bad");
        assert_eq!(invalid.kind().status(), 422);
        assert_eq!(invalid.field_errors().len(), 1);

        let too_large = StorageError::TooLarge { limit: 10 };
        assert_eq!(too_large.kind().status(), 413);
        assert_eq!(too_large.code(), "payload_too_large");

        let used = StorageError::AlreadyExists { key: "a".into() };
        assert_eq!(used.kind().status(), 409);
        assert_eq!(used.code(), "already_uploaded");

        let expired = StorageError::Signature(SignatureProblem::Expired);
        assert_eq!(expired.kind().status(), 403);
        assert_eq!(expired.code(), "expired_signature");
    }

    #[test]
    fn backend_failures_are_503_and_hide_their_cause() {
        let e = StorageError::backend("s3", io::Error::other("secret-host:9000 refused"));
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert_eq!(e.kind().status(), 503);
        assert!(!e.public_detail().contains("secret-host"));
        assert!(e.to_string().contains("secret-host"), "kept for the logs");
    }

    #[test]
    fn body_errors_are_classified() {
        let marker = io::Error::new(io::ErrorKind::InvalidData, BodyTooLarge { limit: 5 });
        assert!(matches!(
            StorageError::from_body(marker),
            StorageError::TooLarge { limit: 5 }
        ));
        assert!(matches!(
            StorageError::from_body(io::Error::other("reset")),
            StorageError::Body(_)
        ));
    }
}
