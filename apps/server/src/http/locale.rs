//! The request's language, from its `Accept-Language` header: problem
//! documents (`title`, `detail`, field messages) are written in it.

use actix_web::http::header::{ACCEPT_LANGUAGE, HeaderMap};
use p2p_kernel::Locale;

tokio::task_local! {
    /// The language of the request being handled on this task.
    pub static CURRENT: Locale;
}

/// The current request's language; English outside a request.
pub fn current() -> Locale {
    CURRENT.try_with(|l| *l).unwrap_or_default()
}

/// The language a request's headers ask for (English when they name none
/// the platform speaks, or the header is not text).
pub fn of_headers(headers: &HeaderMap) -> Locale {
    headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or_else(Locale::default, Locale::from_accept_language)
}
