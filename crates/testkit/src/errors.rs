//! What a domain test reads off an error.

use p2p_kernel::{DomainError, ErrorCode};

/// The error's HTTP status and stable code; panics on success.
pub fn code<T: std::fmt::Debug>(result: Result<T, DomainError>) -> (u16, String) {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => (e.kind().status(), e.code().as_str().to_owned()),
    }
}

/// The (field, code) pairs of a 422; panics on success or another status.
pub fn fields<T: std::fmt::Debug>(result: Result<T, DomainError>) -> Vec<(String, String)> {
    match result {
        Ok(v) => panic!("expected a validation error, got {v:?}"),
        Err(e) => {
            assert_eq!(e.kind().status(), 422, "{e}");
            e.field_errors()
                .iter()
                .map(|f| (f.field.clone(), f.code.as_str().to_owned()))
                .collect()
        }
    }
}
