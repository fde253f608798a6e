//! Storage failures as domain errors.

use crate::error::StorageError;
use p2p_kernel::Code;
use p2p_kernel::DomainError;
use p2p_kernel::ErrorCode;

/// Maps a store error into the platform's error model (a 5xx keeps its cause hidden).
pub(crate) fn storage_error(e: StorageError) -> DomainError {
    match &e {
        StorageError::TooLarge { .. } => DomainError::payload_too_large(e.public_detail()),
        StorageError::Body(_) => DomainError::bad_request(Code::UploadFailed, e.public_detail()),
        StorageError::NotFound { .. } => DomainError::not_found("file"),
        StorageError::AlreadyExists { .. } => {
            DomainError::conflict(Code::AlreadyUploaded, e.public_detail())
        }
        StorageError::Invalid(field) => DomainError::validation(vec![field.clone()]),
        StorageError::Signature(_) => DomainError::forbidden(e.public_detail()),
        StorageError::Backend { .. } => DomainError::unavailable("files", e),
        StorageError::Config(_) => DomainError::internal(e),
    }
}
